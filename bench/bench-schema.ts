// The benchmark file's contract (results/bench-<time>.json), as a schema: the file is validated
// against it before it is written. Units are in the names; every figure was measured in the run.
import { z } from 'zod';
import { resultSchema } from '../harness/result/schema.ts';
import { fileHeader } from '../harness/result/file-header.ts';
import { schemaProblems, count } from '../harness/shapes/zod.ts';

/**
 * 2: the load section has the rate generator's runs (load.rate). 3: the sampler per mode, the harness
 * beside the load (issue 14). 4: the set-up's wall time. 5: the tracer of the connection ledger, and
 * each scenario's peak rate of new connections. 6: the scenario with the highest observer share run
 * again with a slower sampler (harness.pace); the scenarios skipped for what the machine lacks (harness.skipped).
 */
export const BENCH_SCHEMA_VERSION = 6;

const ms = z.number().nonnegative();
const ratio = z.number().nonnegative();
const stateCounts = z.record(z.string(), count);
const sideCounts = z.strictObject({ clientSide: stateCounts, serverSide: stateCounts });

export const wayCostSchema = z.strictObject({
  name: z.string(),
  command: z.string(),
  information: z.enum(['per-side', 'namespace-total']),
  reads: count,
  /** Median wall time of one read. */
  wallMs: ms,
  /** Mean CPU of one read: this process, the children it waited for (ss, netstat), both. */
  cpuMs: z.strictObject({ own: ms, children: ms, total: ms }),
  /** What the first read found: per-side counts, or the namespace's TIME_WAIT. */
  found: z.union([sideCounts, count]),
});
export type WayCost = z.infer<typeof wayCostSchema>;

export const ratedWaySchema = wayCostSchema.extend({
  /** Cost over that of the cheapest way giving the same information, at the same size and port. */
  ratioToCheapest: z.strictObject({ wall: ratio, cpu: ratio }),
  /** Same counts as the lab's sampler (per-side ways only). */
  agreesWithLab: z.boolean().nullable(),
});
export type RatedWay = z.infer<typeof ratedWaySchema>;

export const intervalRunSchema = z.strictObject({
  intervalMs: count,
  samples: count,
  samplesPerSec: ratio,
  /** |time between two consecutive samples − interval|. */
  jitterMs: z.strictObject({ p50: ms, p99: ms, max: ms }),
  /** The sampler's CPU (its process, its ss helper and the ss runs) as a share of one core. */
  cpuShareOfOneCore: ratio,
});
export type IntervalRun = z.infer<typeof intervalRunSchema>;

const portMeasurement = <T extends z.ZodType>(way: T) =>
  z.strictObject({
    /** How the lab's sampler reads the table for this port (harness/observe/sampler.ts chooseReading). */
    labReading: z.enum(['filtered', 'raw']),
    ways: z.array(way),
  });

const samplerSize = <T extends z.ZodType>(way: T) =>
  z.strictObject({
    size: count,
    destinations: count,
    buildMs: ms,
    /** The pile as the lab's sampler saw it before the measurements. */
    timeWait: z.strictObject({ clientSide: count, serverSide: count, namespace: count }),
    /** Every way, for the port that holds the pile. */
    pilePort: portMeasurement(way),
    /** The ss ways and the lab's for a port with only its listener, among the pile (a crowded namespace). */
    idlePort: portMeasurement(way),
    /** The loopback sampler (the socket table at every sample), back to back. */
    maxSamplesPerSec: ratio,
    /** Every 100 ms, as a scenario runs it, for the same time each. */
    atDefaultInterval: z.strictObject({
      /** A namespace shared by both ends: the socket table at every sample, through the ss helper. */
      loopback: intervalRunSchema,
      /** A namespace per side: each side's counts as files at every sample, the tables adaptively; null without namespaces. */
      namespaces: intervalRunSchema.nullable(),
      /** The floor: each namespace's /proc/<pid>/net/sockstat read at every sample, nothing else. */
      floor: intervalRunSchema,
    }),
  });

/** What a sampler worker reports for one size, before the ratios. */
export const samplerSizeReportSchema = samplerSize(wayCostSchema);
export type SamplerSizeReport = z.infer<typeof samplerSizeReportSchema>;
export const samplerSizeResultSchema = samplerSize(ratedWaySchema);
export type SamplerSizeResult = z.infer<typeof samplerSizeResultSchema>;

export const samplerSectionSchema = z.strictObject({
  /** A pair of namespaces of its own: the pile's clients in one, its server in the other (the sampler reads both); or the host's. */
  where: z.enum(['own network namespaces', 'host namespace, 127.0.0.1']),
  notes: z.array(z.string()),
  sizes: z.array(samplerSizeResultSchema),
});
export type SamplerSection = z.infer<typeof samplerSectionSchema>;

export const toolResultSchema = z.strictObject({
  name: z.string(),
  how: z.string(),
  /** The tool's own figures. */
  responses: count,
  failed: count,
  durationMs: ms,
  reqPerSec: ratio,
  /** reqPerSec over autocannon's (keep-alive) in the same run. */
  ratioToAutocannon: ratio.nullable(),
  /** The server's own count over the tool's run. */
  server: z.strictObject({ requestsServed: count, connectionsAccepted: count }),
  /** The tool's responses equal the requests the server served. */
  agrees: z.boolean(),
  disagreement: z.string().nullable(),
});
export type ToolResult = z.infer<typeof toolResultSchema>;

const percentiles = z.strictObject({ p50: ms, p99: ms });

export const rateRunSchema = z.strictObject({
  name: z.string(),
  how: z.string(),
  askedPerSec: ratio,
  /** Asked: rate × seconds. */
  requests: count,
  /** The tool's own count of responses. */
  responses: count,
  durationMs: ms,
  /** The lab: requests started per second (harness/load/load.ts achievedRate); autocannon: the server's count over its duration. */
  achievedPerSec: ratio,
  /** The lab: requests not started for the cap on requests in flight; null: the tool does not drop (autocannon). */
  dropped: count.nullable(),
  /** Corrected for coordinated omission: the lab's from each request's scheduled start, autocannon's by its own correction. */
  latencyMs: percentiles,
  /** The lab: from the actual send; null for autocannon, which reports no such figure. */
  serviceTimeMs: percentiles.nullable(),
  server: z.strictObject({ requestsServed: count, connectionsAccepted: count }),
  /** Nothing dropped and at least 95% of the asked rate achieved (harness/output/rate-text.ts rateHeld). */
  held: z.boolean(),
});
export type RateRun = z.infer<typeof rateRunSchema>;

export const rateSectionSchema = z.strictObject({
  seconds: ratio,
  autocannonConnections: count,
  /** The lab's cap on requests in flight: the default, sized to the open files limit. */
  labMaxInFlight: count,
  runs: z.array(rateRunSchema),
});
export type RateSection = z.infer<typeof rateSectionSchema>;

export const loadSectionSchema = z.strictObject({
  requests: count,
  concurrency: count,
  skipped: z.array(z.strictObject({ name: z.string(), why: z.string() })),
  tools: z.array(toolResultSchema),
  /** The rate generator beside autocannon's overallRate, on the same server. */
  rate: rateSectionSchema,
});
export type LoadSection = z.infer<typeof loadSectionSchema>;

export const scenarioCostSchema = z.strictObject({
  scenario: z.string(),
  /** CLI arguments beyond the name; empty: the scenario's defaults. */
  args: z.array(z.string()),
  /** Where it ran (the result's topology mode). */
  mode: z.enum(['loopback', 'namespaces', 'target']),
  wallMs: ms,
  /** The CLI process itself, whole: start-up, set-up, orchestration, the sampler, IPC, the result. */
  harnessCpuMs: ms,
  /** The processes it waited for, whole: server, clients, agents, the ss helper, ip. */
  childrenCpuMs: ms,
  harnessShareOfTotal: ratio,
  /** The CLI's own CPU before its first stage: loading, the scenario, the topology, the environment. */
  startupCpuMs: ms,
  /** Setting up the stages (namespaces, agents, server, helper), all variants: this process and what it started. */
  setupCpuMs: ms,
  /** The wall time of the same set-up, all variants. */
  setupWallMs: ms,
  /** From each variant's first request to its last sample, summed over the variants (harness/run/cost-log.ts). */
  load: z.strictObject({
    wallMs: ms,
    /** The CLI process. */
    harnessMs: ms,
    /** The ss helper and the ss runs it waited for. */
    helperMs: ms,
    serverAndClientsMs: ms,
    /** (harness + helper) / (server + clients): what the observer costs beside the load. */
    observerShare: ratio,
  }),
  samplesTaken: count,
  /** The highest of its variants' new connections a second over their load (the server's count): what the tracer reads at. */
  peakNewConnectionsPerSec: ratio,
  claimsHeld: z.boolean(),
});
export type ScenarioCost = z.infer<typeof scenarioCostSchema>;

/** The tracer of the connection ledger (bench/tracer-bench.ts): its CPU in this process, idle and per 1,000 connections. */
export const tracerSectionSchema = z.discriminatedUnion('measured', [
  z.strictObject({ measured: z.literal(false), whyNot: z.string() }),
  z.strictObject({
    measured: z.literal(true),
    /** Connections the server accepted during the load, one request each. */
    connections: count,
    /** Connections the ledger made of the trace: as many, unless the kernel dropped events. */
    traced: count,
    stateChanges: count,
    lostEvents: count,
    loadWallMs: ms,
    /** Emptying the buffer every second with nothing in it, as a share of one core. */
    idleShareOfCore: ratio,
    /** Reading the trace while the load ran (a trial's tracer holds the pages, decoding none), per 1,000 connections. */
    readCpuMsPer1000: ms,
    /** Decoding the held pages, building the ledger and its summary once the load is over, per 1,000 connections. */
    ledgerCpuMsPer1000: ms,
  }),
]);
export type TracerSection = z.infer<typeof tracerSectionSchema>;

export const harnessSectionSchema = z.strictObject({
  /** The CLI's own CPU to start and exit without running anything, median of a few runs. */
  start: z.strictObject({
    /** `node -e 0`: Node's own start, the floor. */
    nodeFloorMs: ms,
    /** `npm run scenario -- --list`, with the compile cache the npm scripts use (warm). */
    listMs: ms,
    /** The same without the compile cache (NODE_DISABLE_COMPILE_CACHE). */
    listColdMs: ms,
  }),
  scenarios: z.array(scenarioCostSchema),
  /**
   * The scenario with the highest observer share, run again with the sampler paced slower
   * (`--interval-ms`, in its args): what sampling less buys beside the same load.
   */
  pace: z.array(scenarioCostSchema),
  /** Scenarios not run: what each needs that this machine lacks (the Go toolchain, Python's requests), and how to get it. */
  skipped: z.array(z.strictObject({ scenario: z.string(), why: z.string() })),
});
export type HarnessSection = z.infer<typeof harnessSectionSchema>;

export const observeSectionSchema = z
  .strictObject({
    where: z.enum(['own network namespace', 'loopback, this namespace']),
    rateAsked: z.number().positive().meta({ description: 'New connections a second the load was asked for.' }),
    connectionsOpened: count,
    serverAccepted: count,
    loadSeconds: z.number().nonnegative(),
    traced: z.boolean().meta({ description: 'Whether the observer ran its tracer (root).' }),
    observedConnections: count.meta({ description: "The observer's count of new connections to the load's server." }),
    activeOpensInWindow: count.meta({ description: "The namespace's Tcp ActiveOpens over the observer's window (in this namespace, every program's)." }),
    timeWaitAtEnd: count,
    observerCpuShare: ratio.meta({ description: "npm run observe's CPU over the middle of its window, as a share of one core." }),
    ssPollSeconds: count,
    ssPollCpuShare: ratio.meta({ description: '`ss -tan` once a second over the same window (a shell and its ss children), as a share of one core.' }),
  })
  .meta({ description: 'npm run observe beside polling ss at 1 Hz, on a load of new connections.' });
export type ObserveSection = z.infer<typeof observeSectionSchema>;

export const targetSchema = z.strictObject({
  name: z.string(),
  text: z.string(),
  measured: z.number().nullable(),
  limit: z.number(),
  /** x: a ratio; share: of one core or of a total (0.05 = 5%); per-second; ms: a duration; cpu-ms: CPU time. */
  unit: z.enum(['x', 'share', 'per-second', 'ms', 'cpu-ms']),
  /** null when the run did not measure it (a part was left out). */
  met: z.boolean().nullable(),
  /** What the run measured that tells why a target was missed; absent otherwise. */
  why: z.string().optional(),
});
export type Target = z.infer<typeof targetSchema>;

export const benchSchema = z.strictObject({
  ...fileHeader('timewait-lab-bench', BENCH_SCHEMA_VERSION),
  quick: z.boolean(),
  env: resultSchema.shape.env,
  sampler: samplerSectionSchema.nullable(),
  tracer: tracerSectionSchema.nullable(),
  load: loadSectionSchema.nullable(),
  harness: harnessSectionSchema.nullable(),
  /** Absent in bench files written before the observer was measured. */
  observe: observeSectionSchema.nullable().optional(),
  targets: z.array(targetSchema),
});
export type BenchResult = z.infer<typeof benchSchema>;

/** One line per problem, naming the field. */
export const benchProblems = (value: unknown) => schemaProblems(benchSchema, value);
