// Result schema version 1, written as what it lacked beside version 2 (./schema.ts): version 1
// files are still read, and ./migrate.ts brings them up to version 2. Version 1 had these fields
// optional because the results written before them lack them. test/result/json-schema.test.ts
// checks that this accepts what results/schema/result-v1.schema.json (kept as it was) accepts.
import { z } from 'zod';
import { kernelCountersSchema } from '../shapes/proc-net.ts';
import { sampleSchema } from '../observe/sampler.ts';
import { resultSchema, serverParamsSchema, summaryFiguresSchema, variantSummarySchema } from './schema.ts';
import { schemaProblems, count } from '../shapes/zod.ts';

const kernelV1 = kernelCountersSchema.omit({ timeWaitEntered: true }).extend({ timeWaitReused: z.number().int().optional() });
/** Version 1 kept the peaks of TIME_WAIT only: its life came later. */
const timeWaitV1 = variantSummarySchema.shape.timeWait.pick({ clientSide: true, serverSide: true, total: true });
const lacking = {
  connectionsReset: count.optional(),
  kernel: kernelV1,
  kernelBySide: z.strictObject({ client: kernelV1, server: kernelV1 }).optional(),
  clientCounters: z.record(z.string(), count).optional(),
  timeWait: timeWaitV1,
};
/** Figures that came after version 1: a load under a rate, the projection beside the measurement, the server's CPU, TLS and HTTP/2. */
const later = { rate: true, serviceTimeMs: true, projection: true, serverCpu: true, tls: true, http2: true } as const;
const summaryV1 = variantSummarySchema.omit(later).extend(lacking);
const figuresV1 = summaryFiguresSchema.omit(later).extend(lacking);

/** Version 1 recorded a setting only where the scenario set it: absent meant the default. */
const serverV1 = serverParamsSchema.omit({ tls: true, http2: true }).partial({ keepAliveHint: true, afterResponse: true });

const variantV2 = resultSchema.shape.variants.element;
/** Version 1 knew three reasons a variant failed, and no exit code or stderr of a client. */
const failureV1 = variantV2.shape.failure
  .unwrap()
  .omit({ exitCode: true, stderrTail: true })
  .extend({ reason: z.enum(['server-exited', 'client-exited', 'time-limit']) })
  .optional();
/** What version 2 added later without a new version, since it changed no field a version 1 file has: measurements (npm run measure) and what the lab noticed of them. */
const variantV1 = variantV2.omit({ command: true, clientNotes: true }).extend({
  role: z.enum(['misconfigured', 'fix']),
  status: variantV2.shape.status.optional(),
  failure: failureV1,
  server: serverV1.optional(),
  summary: summaryV1,
  spread: z.strictObject({ min: figuresV1, max: figuresV1 }),
  trials: z.array(z.strictObject({ serverPort: count, summary: summaryV1 })).min(1),
  // Version 1 samples read the socket table every time.
  samples: z.array(sampleSchema.omit({ socketTable: true })),
});

const paramsV2 = resultSchema.shape.params;
const claimV2 = resultSchema.shape.claims.element;
/** Version 1 knew nothing of TLS: a target's settings had no tls nor http2. */
const targetServerV2 = paramsV2.shape.topology.shape.targetServer;
const topologyV1 = paramsV2.shape.topology.extend({
  targetServer: targetServerV2.unwrap().omit({ tls: true, http2: true }).nullable().meta(targetServerV2.meta() ?? {}),
});
/** Version 1 had closed loops only. */
const loadV1 = paramsV2.shape.load.unwrap().omit({ rate: true }).extend({ pattern: z.enum(['steady', 'bursts']).default('steady') }).required({ pattern: true });
// Version 1 results say nothing of where each figure came from, nor of claims not checked.
export const resultSchemaV1 = resultSchema.omit({ claimsNotChecked: true, sampling: true }).extend({
  schemaVersion: z.literal(1),
  params: paramsV2
    .omit({ drain: true, variantLoads: true })
    .extend({ load: loadV1, server: serverV1.extend({ host: z.string() }), topology: topologyV1.optional() }),
  status: resultSchema.shape.status.optional(),
  variants: z.array(variantV1),
  claims: z.array(claimV2.omit({ above: true, below: true })),
});

export type ResultV1 = z.infer<typeof resultSchemaV1>;

export const resultV1Problems = (value: unknown): string[] => schemaProblems(resultSchemaV1, value);
