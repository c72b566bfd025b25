// Runs a scenario: for each variant and each trial a fresh stage from the topology (a fresh server
// on a fresh port, or a fresh pair of network namespaces, so no trial inherits another's TIME_WAIT),
// the variant's client in its own process, the sampler alongside, kernel counters per side before
// and after. Returns the result; printing and writing are the caller's.
import { setTimeout as sleep } from 'node:timers/promises';
import { aggregateTrials } from '../result/aggregate.ts';
import { checkClaims } from '../result/claims.ts';
import { readEnvironment } from '../observe/environment.ts';
import { runVariantClient } from './client-process.ts';
import { MeasurementError, VariantFailure } from '../shared/errors.ts';
import { asFailure, readFailure } from './trial-failure.ts';
import { counterSum } from '../observe/proc-net.ts';
import { readSideCounters, sideDeltas, type Probe, type SideCounters } from '../observe/probes.ts';
import { startSampler, type Sample } from '../observe/sampler.ts';
import type { CountsReader } from '../observe/namespace-counts.ts';
import { samplingOf } from './sampling.ts';
import { stageCost } from './cost-log.ts';
import { openTopology, type Stage, type Topology } from './topology.ts';
import { summarise } from '../result/summary.ts';
import { verdict } from '../result/verdict.ts';
import { outcomeSoFar } from './load.ts';
import type { LoadOutcome, LoadProgress } from '../scenario/client-protocol.ts';
import { requirementsOf, type Scenario, type Variant } from '../scenario/contract.ts';
import { SCHEMA_VERSION, type Result, type Trial, type VariantResult, type VariantSummary } from '../result/schema.ts';
import type { ServerStats } from '../../servers/protocol.ts';
import type { ServerSettings } from '../../servers/settings.ts';

/** The settings a run uses, as its result records them (`params`), with every server setting. */
export type RunSettings = Omit<Result['params'], 'server' | 'topology'> & { server: ServerSettings };

export type RunEvent =
  | { type: 'variant-start'; variant: Variant; host: string; port: number; trial: number; trials: number }
  | { type: 'progress'; variant: Variant; progress: LoadProgress }
  | { type: 'sample'; variant: Variant; sample: Sample }
  | { type: 'trial-done'; variant: Variant; trial: number; trials: number; summary: VariantSummary }
  | { type: 'variant-done'; variant: Variant; result: VariantResult };

/** The server settings a variant runs against: the run's, with the variant's own over them. */
const serverSettings = (settings: RunSettings, variant: Variant): ServerSettings => ({ ...settings.server, ...variant.server });

interface TrialOutcome extends Trial {
  samples: VariantResult['samples'];
  clientSysctls: Stage['clientSysctls'];
  failure?: VariantResult['failure'];
}

/**
 * A target's counts, asked for every 250 ms through its control endpoint: a target that fails
 * leaves the last ones it gave; a control endpoint that does not answer in time, or answers
 * nonsense, goes to `onFailure` at once. (The lab's own server pushes its counts when they change:
 * Stage.server.lastCounts.)
 */
function followTargetCounts(server: Stage['server'], onFailure: (error: MeasurementError) => void) {
  let last: ServerStats | null = null;
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    server
      .stats()
      .then(
        (stats) => (last = stats),
        (error: unknown) => error instanceof MeasurementError && onFailure(error),
      )
      .finally(() => (asking = false));
  }, 250);
  return {
    get last() {
      return last;
    },
    stop: () => clearInterval(timer),
  };
}

const interruption = () => new VariantFailure('interrupted', 'the run was interrupted');

/** The first failure of a trial, with when it came (ms after the trial started); `make` is asked only for the first (a bug's makes a file). */
function firstFailure(startedAt: number) {
  let failure: TrialOutcome['failure'];
  return {
    get value() {
      return failure;
    },
    set(make: () => VariantFailure) {
      if (failure) return;
      const { reason, message } = make();
      failure = { reason: reason as NonNullable<TrialOutcome['failure']>['reason'], message, afterMs: Math.round(performance.now() - startedAt) };
    },
  };
}

/**
 * The probes as the sampler reads them: a read that fails also goes to `onFailure`, so that the
 * variant stops at once (the sampler by itself only stops sampling).
 */
function watched(probes: Probe[], onFailure: (error: unknown) => void): Probe[] {
  const watch =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    (...args: A) =>
      read(...args).catch((error: unknown) => {
        onFailure(error);
        throw error;
      });
  // The files read at every sample are read synchronously.
  const watchNow =
    <R>(read: () => R) =>
    () => {
      try {
        return read();
      } catch (error) {
        onFailure(error);
        throw error;
      }
    };
  const watchFiles = (open: () => CountsReader) => () => {
    const files = open();
    return { read: watchNow(files.read), sockstat: watchNow(files.sockstat), close: files.close };
  };
  return probes.map((p) => ({
    ...p,
    sockstat: watch(p.sockstat),
    counters: watch(p.counters),
    ...(p.sockets && { sockets: watch(p.sockets) }),
    ...(p.openCounts && { openCounts: watchFiles(p.openCounts) }),
  }));
}

/** Each side's counters after the variant; a side that cannot be read is left out and named. */
async function readSidesAfter(probes: Probe[]): Promise<{ counters: SideCounters; failed: { side: string; error: unknown }[] }> {
  const read = await Promise.allSettled(probes.map(async (p) => [p.side, await p.counters()] as const));
  const failed = read.flatMap((r, i) => (r.status === 'rejected' ? [{ side: probes[i]!.side, error: r.reason as unknown }] : []));
  return { counters: Object.fromEntries(read.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))), failed };
}

/**
 * A trial that failed before anything was measured (its stage could not be set up, or its counters
 * not read before it): nothing ran, so every count is 0 and there is no sample.
 */
function unmeasured(settings: RunSettings, failure: VariantFailure): TrialOutcome {
  const none = firstFailure(performance.now());
  none.set(() => failure);
  const summary = summarise(settings.load.requests, outcomeSoFar(undefined, settings.load), { connectionsAccepted: 0, connectionsOpen: 0, requestsServed: 0 }, [], counterSum([]));
  return { serverPort: 0, summary, samples: [], clientSysctls: null, failure: none.value };
}

async function runTrial(
  scenario: Scenario,
  variant: Variant,
  settings: RunSettings,
  topology: Topology,
  trial: number,
  onEvent: (e: RunEvent) => void,
  interrupt?: AbortSignal,
): Promise<TrialOutcome> {
  if (interrupt?.aborted) throw interruption();
  const cost = stageCost(variant.name, trial);
  let stage: Stage;
  try {
    stage = await topology.stage(variant, serverSettings(settings, variant));
  } catch (error) {
    if (interrupt?.aborted) throw interruption();
    return unmeasured(settings, asFailure(error, variant.name));
  }
  cost.staged();
  stage.server.onCounts?.(cost.loadStarts);
  try {
    return await measureTrial(scenario, variant, settings, stage, trial, onEvent, cost, interrupt);
  } finally {
    // What cannot be undone now (a namespace that will not go), stopAll() tries again at the end.
    await stage.close().catch(() => {});
  }
}

async function measureTrial(
  scenario: Scenario,
  variant: Variant,
  settings: RunSettings,
  stage: Stage,
  trial: number,
  onEvent: (e: RunEvent) => void,
  cost: ReturnType<typeof stageCost>,
  interrupt?: AbortSignal,
): Promise<TrialOutcome> {
  // Stops the client early, with the reason the variant failed: its server ended, a figure could not be read, or Ctrl-C.
  const stop = new AbortController();
  const stopWith = (failure: VariantFailure) => stop.signal.aborted || stop.abort(failure);
  const onInterrupt = () => stopWith(interruption());
  interrupt?.addEventListener('abort', onInterrupt);
  try {
    if (interrupt?.aborted) throw interruption();
    onEvent({ type: 'variant-start', variant, host: stage.server.host, port: stage.server.port, trial, trials: settings.repeat });
    let before: SideCounters;
    try {
      before = await readSideCounters(stage.probes);
    } catch (error) {
      if (interrupt?.aborted) throw interruption();
      const nothing = unmeasured(settings, readFailure(error, "the kernel's counters could not be read before the variant", variant.name));
      onEvent({ type: 'trial-done', variant, trial, trials: settings.repeat, summary: nothing.summary });
      return nothing;
    }
    const startedAt = performance.now();
    const failure = firstFailure(startedAt);
    void stage.server.exited?.then((how) => stopWith(new VariantFailure('server-exited', `the server of variant "${variant.name}" ${how}`)));
    void stage.lost?.then((what) => stopWith(new VariantFailure('measurement-failed', what)));
    const sampling = (error: unknown) => readFailure(error, 'the socket table could not be sampled any more', variant.name);
    const probes = watched(stage.probes, (error) => stop.signal.aborted || stopWith(sampling(error)));
    const sampler = startSampler(stage.server.port, settings.intervalMs, startedAt, (sample) => onEvent({ type: 'sample', variant, sample }), probes);
    const targetCounts = stage.server.onCounts ? null : followTargetCounts(stage.server, (error) => stopWith(asFailure(error, variant.name)));
    let progress: LoadProgress | undefined;
    let outcome: LoadOutcome | undefined;
    try {
      outcome = await runVariantClient(
        variant,
        { scenario: scenario.name, variant: variant.name, url: stage.url, load: settings.load },
        settings.timeLimitMs,
        (p) => onEvent({ type: 'progress', variant, progress: (progress = p) }),
        { netns: stage.clientNetns ?? undefined, signal: stop.signal },
      );
      // The tail catches the last closes; a server that ends meanwhile still fails the variant.
      await sleep(settings.tailMs, undefined, { signal: stop.signal }).catch(() => {});
      if (stop.signal.aborted) throw stop.signal.reason;
    } catch (error) {
      // Ctrl-C in a terminal, or its closing, signals the whole process group: the children may have died of it first.
      if (interrupt?.aborted || (error instanceof VariantFailure && error.reason === 'interrupted')) throw interruption();
      failure.set(() => asFailure(error, variant.name));
      outcome ??= outcomeSoFar(progress, settings.load);
    } finally {
      targetCounts?.stop();
    }
    // Samples stop where the socket table could no longer be read; those taken until then are kept.
    await sampler.stop().catch((error: unknown) => failure.set(() => sampling(error)));
    cost.loadEnds(stage.ssHelperPid);
    const samples = sampler.samples;
    const after = await readSidesAfter(stage.probes);
    for (const { side, error } of after.failed) failure.set(() => readFailure(error, `the ${side} side's kernel counters could not be read after the variant`, variant.name));
    const bySide = sideDeltas(before, after.counters);
    const kernel = counterSum(Object.values(bySide));
    // A server that cannot say (it died, or its control endpoint fails) leaves the last counts it gave
    // (the lab's own: the last it pushed); a target without a control endpoint cannot say what it
    // accepted: the client host's kernel can.
    const stats = (await stage.server.stats().catch((error: unknown) => {
      failure.set(() => readFailure(error, "the server's counts could not be read after the variant", variant.name));
      return targetCounts?.last ?? stage.server.lastCounts ?? null;
    })) ?? { connectionsAccepted: kernel.activeOpens, connectionsOpen: 0, requestsServed: outcome.ok };
    const summary = summarise(settings.load.requests, outcome, stats, samples, kernel, { kernel: bySide, peaks: sampler.peaks });
    onEvent({ type: 'trial-done', variant, trial, trials: settings.repeat, summary });
    return { serverPort: stage.server.port, summary, samples, clientSysctls: stage.clientSysctls, ...(failure.value && { failure: failure.value }) };
  } finally {
    interrupt?.removeEventListener('abort', onInterrupt);
  }
}

/** The variant's trials until one fails; an interrupted trial throws (the variant is left out). */
async function runVariant(
  scenario: Scenario,
  variant: Variant,
  settings: RunSettings,
  topology: Topology,
  onEvent: (e: RunEvent) => void,
  interrupt?: AbortSignal,
) {
  const trials: TrialOutcome[] = [];
  for (let trial = 1; trial <= settings.repeat && !trials.at(-1)?.failure; trial++) {
    trials.push(await runTrial(scenario, variant, settings, topology, trial, onEvent, interrupt));
  }
  const { clientSysctls } = trials[0]!;
  const { failure } = trials.at(-1)!;
  const result: VariantResult = {
    name: variant.name,
    role: variant.role,
    description: variant.summary,
    status: failure ? 'failed' : 'complete',
    ...(failure && { failure }),
    serverPort: trials[0]!.serverPort,
    ...(clientSysctls && { clientSysctls }),
    server: serverSettings(settings, variant),
    ...aggregateTrials(trials.map((t) => t.summary), settings.load),
    trials: trials.map(({ serverPort, summary }) => ({ serverPort, summary })),
    samples: trials[0]!.samples,
  };
  onEvent({ type: 'variant-done', variant, result });
  return result;
}

/**
 * Runs every variant on `topology` (default: loopback, as `--netns off`). A variant that fails is
 * recorded as failed and the next one runs; once `interrupt` is aborted (Ctrl-C), the variant
 * running is left out and no other starts: the result then holds the variants that had finished.
 */
export async function runScenario(
  scenario: Scenario,
  settings: RunSettings,
  onEvent: (event: RunEvent) => void = () => {},
  topology?: Topology,
  interrupt?: AbortSignal,
): Promise<Result> {
  for (const requirement of requirementsOf(scenario)) await requirement.prepare();
  const network = topology ?? (await openTopology(scenario, { netns: 'off', sysctls: {}, target: null, controlPort: null }));
  const startedAt = new Date().toISOString();
  const env = await readEnvironment(network.record.mode === 'namespaces');
  const variants: VariantResult[] = [];
  let interruptedDuring: string | undefined;
  for (const variant of scenario.variants) {
    try {
      variants.push(await runVariant(scenario, variant, settings, network, onEvent, interrupt));
    } catch (error) {
      // After Ctrl-C, whatever broke (a child killed by the terminal's SIGINT or SIGHUP) is the interruption.
      if (!interrupt?.aborted) throw error;
      interruptedDuring = variant.name;
      break;
    }
  }
  const complete = variants.filter((v) => v.status === 'complete');
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: scenario.name,
    description: scenario.summary,
    startedAt,
    finishedAt: new Date().toISOString(),
    env,
    params: { ...settings, server: { ...settings.server, host: network.record.serverAddress }, topology: network.record },
    sampling: samplingOf(network.record.mode, settings.intervalMs),
    status: interruptedDuring ? 'interrupted' : complete.length < variants.length ? 'failed' : 'complete',
    variants,
    claims: checkClaims(scenario.claims, new Map(complete.map((v) => [v.name, v.summary])), settings.load),
    verdict: verdict(variants, interruptedDuring),
  };
}
