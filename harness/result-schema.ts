// The result file's contract, as a schema: results are validated against it when written and when
// read. The names here are promised to users' scripts: bump SCHEMA_VERSION when one changes meaning.
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const stateCounts = z.record(z.string(), count);
const peak = z.strictObject({ peak: count });
const sidePeak = z.strictObject({ peak: count, atEnd: count });

export const kernelCountersSchema = z.strictObject({
  activeOpens: z.number().int(),
  passiveOpens: z.number().int(),
  attemptFails: z.number().int(),
  estabResets: z.number().int(),
  outRsts: z.number().int(),
  abortOnClose: z.number().int(),
  abortOnData: z.number().int(),
  timeWaitOverflow: z.number().int(),
});

export const variantSummarySchema = z.strictObject({
  requests: z.strictObject({
    total: count,
    ok: count,
    failed: count,
    errorsByCode: z.record(z.string(), count),
    firstFailure: z.strictObject({ request: count, tMs: z.number().nonnegative(), code: z.string() }).nullable(),
  }),
  connectionsOpened: count,
  connectionsPerRequest: z.number().nonnegative(),
  requestsServed: count,
  timeWait: z.strictObject({ clientSide: sidePeak, serverSide: sidePeak, total: peak }),
  established: z.strictObject({ peak: count, clientSide: peak, serverSide: peak }),
  reqPerSec: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  latencyMs: z.strictObject({
    p50: z.number().nonnegative(),
    p90: z.number().nonnegative(),
    p99: z.number().nonnegative(),
    max: z.number().nonnegative(),
    mean: z.number().nonnegative(),
  }),
  kernel: kernelCountersSchema,
  samplesTaken: count,
});

export const sampleSchema = z.strictObject({
  tMs: z.number().nonnegative(),
  clientSide: stateCounts,
  serverSide: stateCounts,
  namespaceTimeWait: count,
});

export const resultSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  scenario: z.string(),
  description: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  env: z.looseObject({
    node: z.string(),
    kernel: z.string(),
    platform: z.string(),
    cpus: count,
    sysctl: z.looseObject({
      ip_local_port_range: z.string().nullable(),
      tcp_tw_reuse: z.string().nullable(),
      tcp_fin_timeout: z.string().nullable(),
    }),
  }),
  params: z.strictObject({
    load: z.strictObject({
      requests: count,
      concurrency: count,
      pattern: z.enum(['steady', 'bursts']),
      burstGapMs: count,
    }),
    server: z.strictObject({ bodyBytes: count, responseDelayMs: count, keepAliveTimeoutMs: count, host: z.string() }),
    intervalMs: count,
    tailMs: count,
    timeLimitMs: count,
  }),
  variants: z.array(
    z.strictObject({
      name: z.string(),
      role: z.enum(['misconfigured', 'fix']),
      description: z.string(),
      serverPort: count,
      summary: variantSummarySchema,
      samples: z.array(sampleSchema),
    }),
  ),
  claims: z.array(
    z.strictObject({
      text: z.string(),
      held: z.boolean(),
      variant: z.string(),
      metric: z.string(),
      measured: z.number().nullable(),
      atLeast: z.number().optional(),
      atMost: z.number().optional(),
    }),
  ),
  verdict: z.string(),
});

export type Result = z.infer<typeof resultSchema>;
export type VariantSummary = z.infer<typeof variantSummarySchema>;
export type VariantResult = Result['variants'][number];

/** One line per problem, naming the field: `variants.0.summary.connectionsOpened: expected number`. */
export function resultProblems(value: unknown): string[] {
  const parsed = resultSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
