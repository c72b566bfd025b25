// The result file's contract, as a schema: results are validated against it when written and when
// read. The names here are promised to users' scripts: bump SCHEMA_VERSION when one changes meaning,
// or when a field becomes required, and let ./migrate.ts bring the older version's files up to it.
// results/schema/result-v<N>.schema.json is generated from this file (`npm run schema`).
import { z } from 'zod';
import { schemaProblems, count, positiveCount } from '../shapes/zod.ts';
import { environmentSchema, sysctlsSchema } from '../observe/environment.ts';
import { kernelCountersSchema } from '../shapes/proc-net.ts';
import { perNamespaceSchema, sampleSchema } from '../observe/sampler.ts';
import { loadSchema, roleSchema, type LoadSettings } from '../shapes/load-settings.ts';
import { rateOutcomeSchema } from '../shapes/client-protocol.ts';
import { effectiveServerSettingsSchema } from '../shapes/server-settings.ts';

export const SCHEMA_VERSION = 2;
/** The most variants a result holds: a scenario has a few, a measurement at most this many clients (npm run measure refuses more). */
export const MAX_VARIANTS = 16;

const latencies = z.strictObject({
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  max: z.number().nonnegative(),
  mean: z.number().nonnegative(),
});
const peak = z.strictObject({ peak: count });
const sidePeak = z.strictObject({ peak: count, atEnd: count });

const kernelCounters = kernelCountersSchema
  .extend({
    timeWaitReused: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'TcpExt TWRecycled: connections that took over a port still in TIME_WAIT (tcp_tw_reuse). null: not read (a version 1 result written before the lab read it).' }),
    timeWaitEntered: z
      .number()
      .int()
      .optional()
      .meta({ description: 'TcpExt TW: sockets that entered TIME_WAIT (the kernel counts each when its timer is set). Absent in results written before the lab read it.' }),
  })
  .meta({ id: 'KernelCounters', description: 'Deltas of /proc/net/snmp and /proc/net/netstat over the variant: whole network namespace, so other programs count too.' });

const requestsSchema = z.strictObject({
  total: count.meta({
    description:
      "The requests of the variant: the load's count; for a measured client (npm run measure), which has no fixed count, the requests it reported (ok + failed) or, when it reports nothing, those the server answered.",
  }),
  ok: count,
  failed: count,
  errorsByCode: z.record(z.string(), count),
  firstFailure: z
    .strictObject({ request: count, tMs: z.number().nonnegative(), code: z.string() })
    .nullable()
    .meta({ description: 'The first failed request; over several trials, the one that failed earliest.' }),
});

const ms = z.number().nonnegative();

/** What the samples say about TIME_WAIT's life (harness/result/time-wait.ts). */
const drainSchema = z
  .strictObject({
    loadEndedMs: ms.meta({ description: "When the client's load ended, in ms since the variant started (the samples' clock)." }),
    zeroAfterMs: ms
      .nullable()
      .meta({ description: "How long after the load the lab's TIME_WAIT (both sides) was back to zero; null: some was left when the drain's limit was reached, or the run was interrupted during the drain (the load is kept)." }),
    entered: count
      .nullable()
      .meta({ description: "Client-side sockets that entered TIME_WAIT: TcpExt TW of the client's namespace. null on loopback, where the host's counter counts every program." }),
    stepMs: ms
      .nullable()
      .meta({ description: "Time between two steps of the drain: the kernel's timer wheel fires a bucket of TIME_WAIT timers at once (2.048 s at HZ=250). null: fewer than 3 steps seen." }),
    timerMs: ms
      .nullable()
      .meta({ description: 'The TIME_WAIT timer: the mean lifetime less half a step (each socket lives its timer plus 0 to one step, evenly over a load spread across 10 steps or more). null otherwise.' }),
    accuracyMs: ms.meta({ description: 'How far the times above are off at most: the largest gap between two samples across which the client\'s TIME_WAIT changed.' }),
  })
  .meta({ id: 'Drain', description: 'A variant sampled until its TIME_WAIT was back to zero (--drain, or the variant\'s drain).' });

const plateauSchema = z
  .strictObject({
    mean: count.meta({ description: "Mean client-side TIME_WAIT over the window: the count a steady load holds (a sawtooth, one timer-wheel step long)." }),
    fromMs: ms.meta({ description: 'The window: from the first TIME_WAIT plus 60 s and one step (every earlier socket is gone) ...' }),
    toMs: ms.meta({ description: '... to the end of the load, cut to whole steps.' }),
    expected: z
      .number()
      .nonnegative()
      .nullable()
      .meta({ description: "New connections per second (the server's count over the load's duration) × the measured mean lifetime; null when the lifetime was not measured." }),
    ratio: z.number().nonnegative().nullable().meta({ description: 'mean ÷ expected (Little\'s law says 1); null without expected.' }),
  })
  .meta({ id: 'Plateau', description: 'A load that outlasted TIME_WAIT: the count it held once sockets left as fast as they came.' });

const versusSchema = z.strictObject({
  projected: z.number().nonnegative(),
  measured: z.number().nonnegative(),
  ratio: z.number().nonnegative().meta({ description: 'measured ÷ projected.' }),
});

/** The capacity projection (harness/result/projection.ts) beside what the same run measured. */
const projectionSchema = z
  .strictObject({
    timeWaitPlateau: versusSchema
      .optional()
      .meta({ description: "Client-side TIME_WAIT a steady load holds: projected (new connections/s × client-closed share × 60 s) against the plateau measured." }),
    exhaustedAfterMs: versusSchema
      .optional()
      .meta({ description: "Time until the client host's ephemeral ports ran out: projected from the load's rate against the first EADDRNOTAVAIL." }),
  })
  .meta({ id: 'ProjectionVersusMeasurement', description: 'What the projection predicts, where the run lasted long enough to measure it too.' });

export const variantSummarySchema = z
  .strictObject({
    requests: requestsSchema,
    connectionsOpened: count.meta({ description: "Connections the server accepted (the server's own count)." }),
    connectionsPerRequest: z
      .number()
      .nonnegative()
      .nullable()
      .meta({ description: 'connectionsOpened / (requests.ok + requests.failed): for a measured client that reports nothing, per request the server answered. null: there was no request (no ratio of connections to nothing).' }),
    requestsServed: count,
    connectionsReset: count
      .nullable()
      .meta({ description: "Connections whose socket failed with ECONNRESET or EPIPE in the server: the client reset them (the server's own count). null: nobody counted them (a --target without a control endpoint, or a version 1 result written before the server counted them)." }),
    serverCpu: z
      .strictObject({
        totalMs: ms.meta({ description: "CPU time (user + system) the server process spent over the variant, from its own process.cpuUsage(), since it listened." }),
        perRequestUs: ms.meta({ description: 'totalMs per request the server answered, in µs: what a request costs the server, handshakes and connections included.' }),
      })
      .optional()
      .meta({ description: "The server's CPU time; absent in results of before it was measured (schema version 2) and for a --target whose control endpoint does not report it." }),
    tls: z
      .strictObject({
        handshakes: count.meta({ description: 'TLS handshakes the server completed.' }),
        full: count.meta({ description: 'Handshakes with the full key exchange and certificate signature.' }),
        resumed: count.meta({ description: "Handshakes that resumed a session the client kept (tlsSocket.isSessionReused()): cheaper, still a connection." }),
        failed: count.meta({ description: 'Handshakes that failed (tlsClientError): a client that did not trust the certificate, or closed mid-handshake.' }),
        handshakesPerConnection: z.number().nonnegative().meta({ description: 'handshakes ÷ connections the server accepted: 1 when every connection was HTTPS.' }),
        resumedShare: z.number().nonnegative().meta({ description: 'resumed ÷ handshakes.' }),
      })
      .optional()
      .meta({ description: 'A TLS server (server setting tls) only: its handshakes.' }),
    http2: z
      .strictObject({
        connections: count.meta({ description: 'Connections that spoke HTTP/2 (ALPN h2); the others spoke HTTP/1.1.' }),
        streams: count.meta({ description: 'HTTP/2 streams, one per request.' }),
        streamsPerConnection: z.number().nonnegative().meta({ description: 'streams ÷ connections: the requests one HTTP/2 connection carried.' }),
      })
      .optional()
      .meta({ description: 'An HTTP/2 server (server setting http2) only.' }),
    timeWait: z.strictObject({
      clientSide: sidePeak,
      serverSide: sidePeak,
      total: peak,
      lifetimeMs: ms
        .nullable()
        .optional()
        .meta({ description: "Mean time a client-side socket spent in TIME_WAIT, by Little's law: socket-seconds sampled ÷ sockets that entered (namespace mode, drained). null: not measurable in this run; absent: the variant did not drain." }),
      drain: drainSchema.optional(),
      plateau: plateauSchema.optional().meta({ description: 'Absent when the load did not outlast TIME_WAIT by one step.' }),
    }),
    established: z.strictObject({ peak: count, clientSide: peak, serverSide: peak }),
    reqPerSec: z.number().nonnegative(),
    durationMs: z.number().nonnegative(),
    latencyMs: latencies
      .optional()
      .meta({
        description:
          'Absent in a failed variant whose client did not finish: it never reported its latencies, nor does a measured client that does not report them (npm run measure). Under a rate, from each request\'s scheduled start (corrected for coordinated omission): the time a request waited for the client counts.',
      }),
    serviceTimeMs: latencies
      .optional()
      .meta({ description: 'Under a rate only: latencies from the moment each request was actually sent; absent like latencyMs.' }),
    rate: rateOutcomeSchema
      .optional()
      .meta({
        description:
          'Under a rate only (params.load.pattern rate): the rate asked, the rate achieved (requests started per second, over the longer of the schedule and the time to the last start) and the requests dropped (not started: the cap on requests in flight, params.load.concurrency, was reached at their scheduled time).',
      }),
    kernel: kernelCounters,
    clientCounters: z
      .record(z.string(), count)
      .meta({ description: 'Counts the variant\'s client keeps itself (e.g. dnsLookups, retries); empty when it keeps none.' }),
    kernelBySide: z
      .strictObject({ client: kernelCounters, server: kernelCounters })
      .optional()
      .meta({ description: "Namespace runs: each side's own counter deltas, exact (kernel is their sum)." }),
    namespacePeaks: perNamespaceSchema
      .optional()
      .meta({ description: "Runs with a namespace per side: the peaks of each side's /proc/net/sockstat over the samples (results of before 2026-11-30: read every 10 ms)." }),
    samplesTaken: count,
    projection: projectionSchema.optional(),
  })
  .meta({ id: 'VariantSummary', description: "One variant's figures: of one trial, or each the median of the trials." });

/** The summary's figures without `requests.firstFailure`: what a spread (min, max) is taken of. */
export const summaryFiguresSchema = variantSummarySchema
  .extend({ requests: requestsSchema.omit({ firstFailure: true }) })
  .meta({ id: 'SummaryFigures', description: "A summary's figures without requests.firstFailure." });

/**
 * The server settings a result records: every one, as the server ran with it (harness/shapes/server-settings.ts).
 * tls and http2 are absent from results written before they existed: plain HTTP/1.1 then.
 */
export const serverParamsSchema = effectiveServerSettingsSchema.partial({ tls: true, http2: true });

/**
 * What a target's control endpoint reported: every setting; a version 1 result holds only bodyBytes,
 * responseDelayMs and keepAliveTimeoutMs, which were all that endpoints reported then.
 */
const targetServerSchema = effectiveServerSettingsSchema.partial({ keepAliveHint: true, afterResponse: true, tls: true, http2: true });

/** Where the server and the client ran (stage/topology.ts). */
export const topologySchema = z
  .strictObject({
    mode: z.enum(['loopback', 'namespaces', 'target']),
    netns: z.enum(['on', 'off', 'auto']).meta({ description: 'What --netns asked for.' }),
    fallback: z.string().nullable().meta({ description: 'Why --netns auto ran on loopback; null otherwise.' }),
    serverAddress: z.string(),
    clientAddress: z.string().nullable(),
    sysctlOverrides: z.record(z.string(), z.string()).meta({ description: 'The --sysctl settings for the client namespace.' }),
    target: z.string().nullable().meta({ description: '--target: a server the lab did not start.' }),
    control: z.string().nullable().meta({ description: "The target's control endpoint, or null." }),
    targetServer: targetServerSchema.nullable().meta({ description: "The settings the target's control endpoint reported (the scenario's do not apply to it)." }),
  });
export type TopologyRecord = z.infer<typeof topologySchema>;

/** Where one sampled figure came from and how often it was read. */
const figureSourceSchema = z.strictObject({
  source: z.string().meta({ description: 'Where it was read: a file of /proc, a command, a message, and what it counts.' }),
  everyMs: count.meta({ description: 'How often: the interval, or for an adaptive cadence the shortest wait between two reads.' }),
  adaptive: z
    .strictObject({
      flatMs: count.meta({ description: 'The wait while the counts stay the same.' }),
      maxShare: z.number().positive().meta({ description: 'The most of the time spent reading it: a read waits at least 1 / maxShare times as long as the last one took.' }),
    })
    .optional()
    .meta({ description: 'An adaptive cadence: everyMs while the counts change, flatMs while they stay the same, never more than maxShare of the time.' }),
}).meta({ id: 'FigureSource', description: 'Where one figure came from and how often it was read.' });

/** How each figure of the samples and the summary was measured in this run (harness/run/sampling.ts). */
export const samplingSchema = z
  .strictObject({
    timeWait: figureSourceSchema.meta({ description: "Each side's TIME_WAIT sockets (samples' clientSide.timeWait, serverSide.timeWait)." }),
    established: figureSourceSchema.meta({ description: "Each side's ESTABLISHED connections (samples' clientSide.established, serverSide.established)." }),
    byState: figureSourceSchema.meta({ description: 'The breakdown by every TCP state (FIN-WAIT-2, CLOSE-WAIT, ...): the socket table.' }),
    namespacePeaks: figureSourceSchema.optional().meta({ description: "Runs with a namespace per side: the peaks of each namespace's sockstat." }),
    serverCounts: figureSourceSchema.meta({ description: "The server's own counts (connections accepted, requests served, resets)." }),
    kernelCounters: figureSourceSchema.meta({ description: 'The kernel counters (opens, resets, ...): read before and after each trial; everyMs 0.' }),
  })
  .meta({ id: 'Sampling', description: 'Where each sampled figure came from and how often it was read.' });
export type Sampling = z.infer<typeof samplingSchema>;

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
      // Every field as it was in effect: those a scenario leaves to the defaults too.
      load: loadSchema
        .required({ pattern: true, burstGapMs: true })
        .nullable()
        .meta({ description: "The load each variant's client sent; null for a measurement (npm run measure), where each client makes the requests it makes." }),
      variantLoads: z
        .record(z.string(), loadSchema.required({ pattern: true, burstGapMs: true }))
        .optional()
        .meta({ description: "The load of each variant that has its own (e.g. a short one for a fix), with the command line's overrides; the others run params.load." }),
      server: serverParamsSchema.extend({ host: z.string() }),
      intervalMs: count.meta({ description: 'Time between two samples of the socket table.' }),
      tailMs: count.meta({ description: 'How long sampling went on after the client was done, to catch the last closes (a variant that drains samples until its TIME_WAIT is gone instead).' }),
      drain: z
        .boolean()
        .optional()
        .meta({ description: "--drain (true) or --no-drain (false): every variant drains, or none; absent: as each variant says." }),
      timeLimitMs: count.meta({ description: 'A variant still running after this long was stopped and recorded as failed.' }),
      repeat: positiveCount.meta({ description: 'Trials per variant (--repeat), each on a fresh server and port.' }),
      topology: topologySchema.meta({ description: 'Where the server and the client ran.' }),
    }),
    sampling: samplingSchema
      .optional()
      .meta({ description: 'Where each sampled figure came from and how often it was read; absent in results written before the lab recorded it.' }),
    status: z.enum(['complete', 'failed', 'interrupted']).meta({
      description:
        'complete: every variant ran to its end. failed: a variant failed (see its failure); the others ran. ' +
        'interrupted: Ctrl-C, SIGTERM or SIGHUP; variants holds only those that had finished.',
    }),
    variants: z.array(
      z.strictObject({
        name: z.string(),
        role: roleSchema.meta({ description: "A scenario's misconfigured client or its fix; measured: a client given to npm run measure." }),
        description: z.string(),
        command: z
          .string()
          .optional()
          .meta({ description: 'A measured client (npm run measure): the command it ran, as given. Absent for a scenario\'s own clients.' }),
        status: z
          .enum(['complete', 'failed'])
          .meta({ description: 'failed: it stopped before its client finished; its figures are what was measured until then.' }),
        failure: z
          .strictObject({
            reason: z.enum(['server-exited', 'client-exited', 'time-limit', 'measurement-failed', 'lab-failed']).meta({
              description:
                'server-exited / client-exited: that process ended; time-limit: it ran over --time-limit-s; measurement-failed: a figure could not be read ' +
                '(a namespace agent ended, a control endpoint did not answer in time or answered nonsense); lab-failed: the variant could not be set up, or the lab met a bug (the message names the file with its details).',
            }),
            message: z.string(),
            afterMs: z.number().nonnegative().meta({ description: 'When, after the failed trial started.' }),
            exitCode: z.number().int().optional().meta({ description: 'client-exited: the exit code of a client that exited on its own with one.' }),
            stderrTail: z
              .array(z.string())
              .optional()
              .meta({ description: 'A measured client that failed: the last lines it wrote on stderr (at most 5, the last one last); absent when it wrote none.' }),
          })
          .optional()
          .meta({ description: 'Why a failed variant stopped; absent in a complete one.' }),
        clientNotes: z
          .array(z.string())
          .optional()
          .meta({
            description:
              'A measured client: what the lab noticed of it, once each: a protocol line it ignored (the first bad field), processes it left running (ended by the lab), ' +
              "its own count of requests above the server's. Absent when there is nothing to say.",
          }),
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
    ).max(MAX_VARIANTS),
    claims: z.array(
      z.strictObject({
        text: z.string(),
        held: z.boolean(),
        variant: z.string(),
        metric: z.string(),
        measured: z.number().nullable(),
        atLeast: z.number().optional(),
        atMost: z.number().optional(),
        above: z.number().optional().meta({ description: 'A strict bound: the figure must be above it (npm run measure -- --expect with >).' }),
        below: z.number().optional().meta({ description: 'A strict bound: the figure must be below it (npm run measure -- --expect with <).' }),
      }),
    ),
    claimsNotChecked: z
      .array(z.strictObject({ text: z.string(), variant: z.string(), metric: z.string() }))
      .optional()
      .meta({ description: "Claims the variant's load was not made for (too short to show them, e.g. a plateau under --duration 4), or that an interruption left unmeasured (a variant that never ran, the lifetime of a drain cut short): not checked, so neither held nor failed. Absent when every claim was checked." }),
    verdict: z.string(),
  })
  .meta({
    title: `timewait-lab result, schema version ${SCHEMA_VERSION}`,
    description:
      "One run of a scenario, or a measurement of the user's own clients (npm run measure: scenario \"measure\", variants of role measured, claims from --expect): its environment, settings, each variant's figures and trials, the claims and the verdict.",
  });

export type Result = z.infer<typeof resultSchema>;

type Loads = Pick<Result['params'], 'load' | 'variantLoads'>;
/** The load a variant ran: its own (params.variantLoads) or the run's (params.load). */
export const variantLoad = (params: Loads, variant: string): Result['params']['load'] => params.variantLoads?.[variant] ?? params.load;
/** Every load of a run: the run's and the variants' own. */
export const allLoads = (params: Loads): LoadSettings[] => [params.load, ...Object.values(params.variantLoads ?? {})].filter((load) => load !== null);
export type VariantSummary = z.infer<typeof variantSummarySchema>;
export type SummaryFigures = z.infer<typeof summaryFiguresSchema>;
export type VariantResult = Result['variants'][number];
export type Trial = VariantResult['trials'][number];

/** One line per problem, naming the field: `variants.0.summary.connectionsOpened: expected number`. */
export const resultProblems = (value: unknown): string[] => schemaProblems(resultSchema, value);
