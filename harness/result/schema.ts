// The result file's contract, as a schema: results are validated against it when written and when
// read. The names here are promised to users' scripts: bump SCHEMA_VERSION when one changes meaning,
// or when a field becomes required, and let ./migrate.ts bring the older version's files up to it.
// results/schema/result-v<N>.schema.json is generated from this file (`npm run schema`).
import { z } from 'zod';
import { schemaProblems } from './schema-problems.ts';

export const SCHEMA_VERSION = 2;

const count = z.number().int().nonnegative();
const stateCounts = z.record(z.string(), count);
const peak = z.strictObject({ peak: count });
const sidePeak = z.strictObject({ peak: count, atEnd: count });

export const kernelCountersSchema = z
  .strictObject({
    activeOpens: z.number().int(),
    passiveOpens: z.number().int(),
    attemptFails: z.number().int(),
    estabResets: z.number().int(),
    outRsts: z.number().int(),
    abortOnClose: z.number().int(),
    abortOnData: z.number().int(),
    timeWaitOverflow: z.number().int(),
    timeWaitReused: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'TcpExt TWRecycled: connections that took over a port still in TIME_WAIT (tcp_tw_reuse). null: not read (a version 1 result written before the lab read it).' }),
  })
  .meta({ id: 'KernelCounters', description: 'Deltas of /proc/net/snmp and /proc/net/netstat over the variant: whole network namespace, so other programs count too.' });

const requestsSchema = z.strictObject({
  total: count,
  ok: count,
  failed: count,
  errorsByCode: z.record(z.string(), count),
  firstFailure: z
    .strictObject({ request: count, tMs: z.number().nonnegative(), code: z.string() })
    .nullable()
    .meta({ description: 'The first failed request; over several trials, the one that failed earliest.' }),
});

/** A namespace's own counts (/proc/net/sockstat): sockets in TIME_WAIT, in use, orphaned. */
const namespaceCounts = z.strictObject({ tw: count, inuse: count, orphan: count });
const perNamespace = z.strictObject({ client: namespaceCounts.optional(), server: namespaceCounts.optional() });

export const variantSummarySchema = z
  .strictObject({
    requests: requestsSchema,
    connectionsOpened: count.meta({ description: "Connections the server accepted (the server's own count)." }),
    connectionsPerRequest: z.number().nonnegative(),
    requestsServed: count,
    connectionsReset: count
      .nullable()
      .meta({ description: "Connections whose socket failed with ECONNRESET or EPIPE in the server: the client reset them (the server's own count). null: nobody counted them (a --target without a control endpoint, or a version 1 result written before the server counted them)." }),
    timeWait: z.strictObject({ clientSide: sidePeak, serverSide: sidePeak, total: peak }),
    established: z.strictObject({ peak: count, clientSide: peak, serverSide: peak }),
    reqPerSec: z.number().nonnegative(),
    durationMs: z.number().nonnegative(),
    latencyMs: z
      .strictObject({
        p50: z.number().nonnegative(),
        p90: z.number().nonnegative(),
        p99: z.number().nonnegative(),
        max: z.number().nonnegative(),
        mean: z.number().nonnegative(),
      })
      .optional()
      .meta({ description: 'Absent in a failed variant whose client did not finish: it never reported its latencies.' }),
    kernel: kernelCountersSchema,
    clientCounters: z
      .record(z.string(), count)
      .meta({ description: 'Counts the variant\'s client keeps itself (e.g. dnsLookups, retries); empty when it keeps none.' }),
    kernelBySide: z
      .strictObject({ client: kernelCountersSchema, server: kernelCountersSchema })
      .optional()
      .meta({ description: "Namespace runs: each side's own counter deltas, exact (kernel is their sum)." }),
    namespacePeaks: perNamespace
      .optional()
      .meta({ description: "Runs with a namespace per side: the peaks of each side's /proc/net/sockstat, read every 10 ms." }),
    samplesTaken: count,
  })
  .meta({ id: 'VariantSummary', description: "One variant's figures: of one trial, or each the median of the trials." });

/** The summary's figures without `requests.firstFailure`: what a spread (min, max) is taken of. */
export const summaryFiguresSchema = variantSummarySchema
  .extend({ requests: requestsSchema.omit({ firstFailure: true }) })
  .meta({ id: 'SummaryFigures', description: "A summary's figures without requests.firstFailure." });

export const sampleSchema = z
  .strictObject({
    tMs: z.number().nonnegative(),
    clientSide: stateCounts,
    serverSide: stateCounts,
    namespaceTimeWait: count,
    namespaces: perNamespace.optional().meta({ description: "Each side's own /proc/net/sockstat counts, when each side has a namespace." }),
  })
  .meta({ id: 'Sample', description: 'Socket states counted at one moment, per side, and the namespace total of TIME_WAIT.' });

const sysctl = z.string().nullable();
const sysctlsSchema = z
  .strictObject({
    ip_local_port_range: sysctl,
    tcp_tw_reuse: sysctl,
    tcp_tw_reuse_delay: sysctl,
    tcp_fin_timeout: sysctl,
    tcp_max_tw_buckets: sysctl,
    tcp_timestamps: sysctl,
    somaxconn: sysctl,
  })
  .meta({ description: 'The TCP sysctls that change the outcome, as read from /proc/sys; null where this kernel lacks one.' });

export const environmentSchema = z
  .strictObject({
    node: z.string().meta({ description: 'process.version' }),
    versions: z
      .looseObject({ node: z.string(), v8: z.string(), uv: z.string(), undici: z.string() })
      .catchall(z.string())
      .meta({ description: "Node's process.versions, whole." }),
    platform: z.string(),
    arch: z.string(),
    kernel: z.string().meta({ description: 'Kernel release (uname -r).' }),
    distribution: z.string().nullable().meta({ description: 'PRETTY_NAME from /etc/os-release.' }),
    cpus: z.number().int().positive(),
    cpuModel: z.string(),
    memoryBytes: z.number().int().positive(),
    sysctl: sysctlsSchema,
    lab: z.strictObject({
      version: z.string(),
      commit: z.string().nullable().meta({ description: 'git HEAD; null outside a git checkout.' }),
      dirty: z.boolean().nullable().meta({ description: 'Tracked files changed since the commit; null outside a git checkout.' }),
    }),
    packages: z.record(z.string(), z.string()).meta({ description: 'Versions of the packages that produce the load and the figures.' }),
    networkNamespace: z.boolean().meta({ description: 'Whether the run had network namespaces of its own.' }),
    user: z.strictObject({ uid: z.number().int(), root: z.boolean() }),
  })
  .meta({ id: 'Environment', description: 'The environment fingerprint: what may explain a difference between two results.' });

const serverParamsSchema = z.strictObject({
  bodyBytes: count,
  responseDelayMs: count,
  keepAliveTimeoutMs: count,
  keepAliveTimeoutBufferMs: count.optional(),
  keepAliveHint: z.boolean().optional(),
  afterResponse: z.enum(['keep-alive', 'close', 'reset']).optional(),
});

const trialSchema = z.strictObject({
  serverPort: count,
  summary: variantSummarySchema,
});

export const resultSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    scenario: z.string(),
    description: z.string(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    env: environmentSchema,
    params: z.strictObject({
      load: z.strictObject({
        requests: count,
        concurrency: count,
        pattern: z.enum(['steady', 'bursts']),
        burstGapMs: count,
        gapSpreadMs: count.optional().meta({ description: 'bursts: the pauses sweep from burstGapMs − gapSpreadMs to burstGapMs + gapSpreadMs over the run.' }),
      }),
      server: serverParamsSchema.extend({ host: z.string() }),
      intervalMs: count,
      tailMs: count,
      timeLimitMs: count,
      repeat: z.number().int().positive().meta({ description: 'Trials per variant (--repeat), each on a fresh server and port.' }),
      topology: z
        .strictObject({
          mode: z.enum(['loopback', 'namespaces', 'target']),
          netns: z.enum(['on', 'off', 'auto']).meta({ description: 'What --netns asked for.' }),
          fallback: z.string().nullable().meta({ description: 'Why --netns auto ran on loopback; null otherwise.' }),
          serverAddress: z.string(),
          clientAddress: z.string().nullable(),
          sysctlOverrides: z.record(z.string(), z.string()).meta({ description: 'The --sysctl settings for the client namespace.' }),
          target: z.string().nullable().meta({ description: '--target: a server the lab did not start.' }),
          control: z.string().nullable().meta({ description: "The target's control endpoint, or null." }),
          targetServer: z
            .strictObject({ bodyBytes: count, responseDelayMs: count, keepAliveTimeoutMs: count })
            .nullable()
            .meta({ description: "The settings the target's control endpoint reported." }),
        })
        .meta({ description: 'Where the server and the client ran.' }),
    }),
    status: z.enum(['complete', 'failed', 'interrupted']).meta({
      description:
        'complete: every variant ran to its end. failed: a variant failed (see its failure); the others ran. ' +
        'interrupted: Ctrl-C or SIGTERM; variants holds only those that had finished.',
    }),
    variants: z.array(
      z.strictObject({
        name: z.string(),
        role: z.enum(['misconfigured', 'fix']),
        description: z.string(),
        status: z
          .enum(['complete', 'failed'])
          .meta({ description: 'failed: it stopped before its client finished; its figures are what was measured until then.' }),
        failure: z
          .strictObject({
            reason: z.enum(['server-exited', 'client-exited', 'time-limit']),
            message: z.string(),
            afterMs: z.number().nonnegative().meta({ description: 'When, after the failed trial started.' }),
          })
          .optional()
          .meta({ description: 'Why a failed variant stopped; absent in a complete one.' }),
        serverPort: count.meta({ description: "The first trial's server port." }),
        server: serverParamsSchema.meta({ description: "The server settings this variant ran against: the scenario's, with the variant's own over them." }),
        clientSysctls: z
          .strictObject({ set: z.record(z.string(), z.string()), effective: sysctlsSchema })
          .optional()
          .meta({ description: "Namespace runs: the sysctls the lab set in the client's namespace, and the values in effect there." }),
        // Each figure is the median of the trials (a count rounded to a whole number); with one trial, that trial.
        summary: variantSummarySchema,
        spread: z
          .strictObject({ min: summaryFiguresSchema, max: summaryFiguresSchema })
          .meta({ description: 'The smallest and largest value of each figure over the trials.' }),
        exactCountMismatches: z
          .array(z.strictObject({ figure: z.string(), values: z.array(count) }))
          .meta({ description: 'Counts that are exact by construction but differed across trials, with each trial\'s value.' }),
        trials: z.array(trialSchema).min(1).meta({ description: 'One summary per trial, in the order they ran.' }),
        samples: z.array(sampleSchema).meta({ description: "The first trial's samples of the socket table." }),
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
  })
  .meta({
    title: `timewait-lab result, schema version ${SCHEMA_VERSION}`,
    description: 'One run of a scenario: its environment, settings, each variant\'s figures and trials, the claims and the verdict.',
  });

export type Result = z.infer<typeof resultSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type VariantSummary = z.infer<typeof variantSummarySchema>;
export type SummaryFigures = z.infer<typeof summaryFiguresSchema>;
export type VariantResult = Result['variants'][number];
export type Trial = VariantResult['trials'][number];

/** One line per problem, naming the field: `variants.0.summary.connectionsOpened: expected number`. */
export const resultProblems = (value: unknown): string[] => schemaProblems(resultSchema, value);
