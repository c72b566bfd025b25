// Runs a scenario: for each variant and each trial a fresh stage from the topology (a fresh server
// on a fresh port, or a fresh pair of network namespaces, so no trial inherits another's TIME_WAIT),
// the variant's client in its own process, the sampler alongside, kernel counters per side before
// and after. Returns the result; printing and writing are the caller's.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunPlan, VariantPlan } from './plan.ts';
import { stageCost } from './cost-log.ts';
import { drainWatch } from './drain.ts';
import { samplingOf } from './sampling.ts';
import { asFailure, readFailure } from './trial-failure.ts';
import { traceTrial } from './trial-ledger.ts';
import type { Stage, Topology } from '../stage/topology.ts';
import { runVariantClient } from '../load/client-process.ts';
import { readEnvironment } from '../observe/environment.ts';
import { readSideCounters, readSidesAfter, sideDeltas, watched, type SideCounters } from '../observe/probes.ts';
import { startSampler, type Sample } from '../observe/sampler.ts';
import { followTargetCounts } from '../observe/target-counts.ts';
import { checkClaims, claimsNotChecked, interruptedClaim } from '../scenario/claims.ts';
import type { RunEvent } from '../scenario/run-events.ts';
import { isCommandVariant } from '../scenario/contract.ts';
import { aggregateTrials } from '../result/aggregate.ts';
import { connectionsSummary, sampledClients } from '../result/connections.ts';
import { poolOf, project, versusMeasurement } from '../result/projection.ts';
import { DRAIN_LIMIT_MS, drains, type RunSettings } from '../result/run-settings.ts';
import { SCHEMA_VERSION, variantLoad, type Result, type Trial, type VariantResult } from '../result/schema.ts';
import { outcomeSoFar, summarise, unmeasuredSummary } from '../result/summary.ts';
import { verdict } from '../result/verdict.ts';
import { counterSum } from '../shapes/proc-net.ts';
import type { LoadOutcome, LoadProgress } from '../shapes/client-protocol.ts';
import type { ServerStats } from '../shapes/server-protocol.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import { VariantFailure } from '../shared/errors.ts';
import { collectGarbage } from '../shared/heap.ts';

interface TrialOutcome extends Trial {
  samples: VariantResult['samples'];
  /** What was noticed of a measured client (VariantResult['clientNotes']). */
  notes: string[];
  clientSysctls: Stage['clientSysctls'];
  failure?: VariantResult['failure'];
}

/** What a client that reported nothing did, by the server's count: every request it answered, in the time the client ran. */
const servedBy = (stats: ServerStats, durationMs: number): LoadOutcome => ({
  ok: stats.requestsServed,
  failed: 0,
  errorsByCode: {},
  firstFailure: null,
  durationMs,
});

const interruption = () => new VariantFailure('interrupted', 'the run was interrupted');

/** How long a failed read waits for a namespace agent's end to be known, which names the cause better. */
const AGENT_EXIT_GRACE_MS = 1000;

/** The first failure of a trial, with when it came (ms after the trial started); `make` is asked only for the first (a bug's makes a file). */
function firstFailure(startedAt: number) {
  let failure: TrialOutcome['failure'];
  return {
    get value() {
      return failure;
    },
    set(make: () => VariantFailure) {
      if (failure) return;
      const { reason, message, details } = make();
      failure = { reason: reason as NonNullable<TrialOutcome['failure']>['reason'], message, afterMs: Math.round(performance.now() - startedAt), ...details };
    },
  };
}

/**
 * A trial that failed before anything was measured (its stage could not be set up, or its counters
 * not read before it): nothing ran, so every count is 0 and there is no sample.
 */
function unmeasured(load: LoadSettings | null, failure: VariantFailure): TrialOutcome {
  const none = firstFailure(performance.now());
  none.set(() => failure);
  return { serverPort: 0, summary: unmeasuredSummary(load), samples: [], notes: [], clientSysctls: null, failure: none.value };
}

/** Where a trial runs: its scenario's name, the run's settings, the topology, and this host's port range (the client's where it has no namespace of its own). */
interface TrialPlace {
  scenario: string;
  settings: RunSettings;
  topology: Topology;
  hostPortRange: string | null;
}

async function runTrial(
  run: VariantPlan,
  place: TrialPlace,
  trial: number,
  onEvent: (e: RunEvent) => void,
  interrupt?: AbortSignal,
): Promise<TrialOutcome> {
  if (interrupt?.aborted) throw interruption();
  const { variant } = run;
  const cost = stageCost(variant.name, trial);
  let stage: Stage;
  try {
    stage = await place.topology.stage(variant, run.server);
  } catch (error) {
    if (interrupt?.aborted) throw interruption();
    return unmeasured(run.load, asFailure(error, variant.name));
  }
  cost.staged();
  // Its pause belongs to the stage's setup, not beside the load (shared/heap.ts).
  collectGarbage();
  stage.server.onCounts?.(cost.loadStarts);
  try {
    return await measureTrial(run, place, stage, trial, onEvent, cost, interrupt);
  } finally {
    // What cannot be undone now (a namespace that will not go), stopAll() tries again at the end.
    await stage.close().catch(() => {});
  }
}

async function measureTrial(
  { variant, load, drains }: VariantPlan,
  { scenario, settings, hostPortRange }: TrialPlace,
  stage: Stage,
  trial: number,
  onEvent: (e: RunEvent) => void,
  cost: ReturnType<typeof stageCost>,
  interrupt?: AbortSignal,
): Promise<TrialOutcome> {
  // Stops the client early, with the reason the variant failed: its server ended, a figure could not be read, or Ctrl-C.
  const stop = new AbortController();
  const stopWith = (failure: VariantFailure, rather?: Promise<string>) => {
    if (stop.signal.aborted) return;
    if (!rather) return stop.abort(failure);
    // A read that fails because a namespace agent died (ENOENT on /proc/<pid>/net) comes a moment
    // before the agent's exit is known: the agent's end says what happened, if it comes soon.
    const timer = setTimeout(() => stop.signal.aborted || stop.abort(failure), AGENT_EXIT_GRACE_MS);
    void rather.then(() => clearTimeout(timer));
  };
  const onInterrupt = () => stopWith(interruption());
  interrupt?.addEventListener('abort', onInterrupt);
  try {
    if (interrupt?.aborted) throw interruption();
    onEvent({ type: 'variant-start', variant, load, host: stage.server.host, port: stage.server.port, trial, trials: settings.repeat });
    let before: SideCounters;
    try {
      before = await readSideCounters(stage.probes);
    } catch (error) {
      if (interrupt?.aborted) throw interruption();
      const nothing = unmeasured(load, readFailure(error, "the kernel's counters could not be read before the variant", variant.name));
      onEvent({ type: 'trial-done', variant, trial, trials: settings.repeat, summary: nothing.summary });
      return nothing;
    }
    const startedAt = performance.now();
    const ledger = await traceTrial(stage.server.host, stage.server.port, startedAt);
    const failure = firstFailure(startedAt);
    void stage.server.exited?.then((how) => stopWith(new VariantFailure('server-exited', `the server of variant "${variant.name}" ${how}`)));
    void stage.lost?.then((what) => stopWith(new VariantFailure('measurement-failed', what)));
    const sampling = (error: unknown) => readFailure(error, 'the socket table could not be sampled any more', variant.name);
    const probes = watched(stage.probes, (error) => stop.signal.aborted || stopWith(sampling(error), stage.lost));
    const drain = drainWatch();
    const onSample = (sample: Sample) => {
      onEvent({ type: 'sample', variant, sample });
      drain.see(sample);
      // In this wake rather than one of the tracer's own: the next sample is due within the interval.
      ledger.readIfDueWithin(settings.intervalMs);
    };
    const sampler = startSampler(stage.server.port, settings.intervalMs, startedAt, onSample, probes);
    const targetCounts = stage.server.onCounts ? null : followTargetCounts(stage.server, (error) => stopWith(asFailure(error, variant.name)));
    let progress: LoadProgress | undefined;
    const notes: string[] = [];
    let reported: LoadOutcome | null = null;
    let clientMs = 0;
    let loadEndedMs: number | undefined;
    try {
      reported = await runVariantClient(
        { scenario, variant, load, url: stage.url },
        settings.timeLimitMs,
        (p) => onEvent({ type: 'progress', variant, progress: (progress = p) }),
        { netns: stage.clientNetns ?? undefined, signal: stop.signal, caFile: stage.caFile, onNote: (note) => notes.push(note) },
      ).finally(() => (clientMs = performance.now() - startedAt));
      loadEndedMs = performance.now() - startedAt;
      onEvent({ type: 'load-done', variant, loadMs: reported?.durationMs ?? clientMs, drainLimitMs: drains ? DRAIN_LIMIT_MS : null });
      // The tail catches the last closes; a server that ends meanwhile still fails the variant.
      await sleep(settings.tailMs, undefined, { signal: stop.signal }).catch(() => {});
      // The drain: on until the lab's TIME_WAIT is gone, so its whole life is in the samples.
      if (drains) await drain.until(loadEndedMs, DRAIN_LIMIT_MS - settings.tailMs, stop.signal);
      if (stop.signal.aborted) throw stop.signal.reason;
    } catch (error) {
      // Ctrl-C in a terminal, or its closing, signals the whole process group: the children may have died of it first.
      const interrupted = interrupt?.aborted || (error instanceof VariantFailure && error.reason === 'interrupted');
      // Once the load is done, an interruption cuts the drain short and keeps what was measured.
      if (interrupted && loadEndedMs === undefined) throw interruption();
      if (!interrupted) failure.set(() => asFailure(error, variant.name));
    } finally {
      targetCounts?.stop();
    }
    // Samples stop where the socket table could no longer be read; those taken until then are kept.
    await sampler.stop().catch((error: unknown) => failure.set(() => sampling(error)));
    cost.loadEnds(stage.ssHelperPid);
    const samples = sampler.samples;
    const countersReadMs = performance.now() - startedAt;
    const after = await readSidesAfter(stage.probes);
    const traced = await ledger.stop(countersReadMs);
    for (const { side, error } of after.failed) failure.set(() => readFailure(error, `the ${side} side's kernel counters could not be read after the variant`, variant.name));
    const bySide = sideDeltas(before, after.counters);
    const kernel = counterSum(Object.values(bySide));
    // A server that cannot say (it died, or its control endpoint fails) leaves the last counts it gave
    // (the lab's own: the last it pushed).
    const counted = await stage.server.stats().catch((error: unknown) => {
      failure.set(() => readFailure(error, "the server's counts could not be read after the variant", variant.name));
      return targetCounts?.last ?? stage.server.lastCounts ?? null;
    });
    // A measured client that reported nothing made the requests the server answered (a measurement
    // needs the server's counts: npm run measure refuses a --target without a control endpoint).
    const outcome = reported ?? (isCommandVariant(variant) && !progress && counted ? servedBy(counted, clientMs) : outcomeSoFar(progress, load));
    // A client's own count stands as it said, beside the server's: one above it is named.
    if (isCommandVariant(variant) && reported && counted && reported.ok > counted.requestsServed) {
      notes.push(`it reported ${reported.ok} requests answered, the server served ${counted.requestsServed}`);
    }
    // A target without a control endpoint cannot say what it accepted: the client host's kernel can.
    const stats = counted ?? { connectionsAccepted: kernel.activeOpens, connectionsOpen: 0, requestsServed: outcome.ok };
    const measured = summarise(load?.requests ?? outcome.ok + outcome.failed, outcome, stats, samples, kernel, { kernel: bySide, peaks: sampler.peaks }, {
      loadEndedMs: loadEndedMs ?? samples.at(-1)?.tMs ?? 0,
      drained: drains && loadEndedMs !== undefined,
    });
    // The projection beside what this trial measured of it, where it lasted long enough.
    const portRange = stage.clientSysctls?.effective.ip_local_port_range ?? hostPortRange;
    const projected = project({ summary: measured, concurrency: poolOf(measured, load), portRange, ...(load === null && { longer: 'let the client make more requests' }) });
    const versus = versusMeasurement(projected, measured);
    // The requests each sampled connection carried: the server's count, joined by the client's address and port.
    const sampled = 'connections' in traced ? sampledClients(traced.connections) : [];
    const carried = sampled.length > 0 && stage.server.carried ? await stage.server.carried(sampled).catch(() => null) : null;
    const connections = connectionsSummary(traced, counted?.requestsPerConnection, carried);
    const summary = { ...measured, ...(versus && { projection: versus }), connections };
    onEvent({ type: 'trial-done', variant, trial, trials: settings.repeat, summary });
    return { serverPort: stage.server.port, summary, samples, notes, clientSysctls: stage.clientSysctls, ...(failure.value && { failure: failure.value }) };
  } finally {
    interrupt?.removeEventListener('abort', onInterrupt);
  }
}

/**
 * The samples a result keeps of a trial: every one up to 3,000 (5 minutes at 100 ms: a long load and
 * its drain), else 3,000 evenly spread over the trial, first and last included, so that the file
 * stays bounded (about 250 bytes a sample). The summary is taken from all of them.
 */
export const MAX_SAMPLES_KEPT = 3000;

export function keptSamples<T>(samples: T[], max = MAX_SAMPLES_KEPT): T[] {
  if (samples.length <= max) return samples;
  return Array.from({ length: max }, (_, i) => samples[Math.round((i * (samples.length - 1)) / (max - 1))]!);
}

/** The variant's trials until one fails; an interrupted trial throws (the variant is left out), unless its load was done (it was draining). */
async function runVariant(run: VariantPlan, place: TrialPlace, onEvent: (e: RunEvent) => void, interrupt?: AbortSignal) {
  const { settings } = place;
  const { variant } = run;
  const trials: TrialOutcome[] = [];
  // After an interruption that kept a trial (its drain cut short), no other trial starts.
  for (let trial = 1; trial <= settings.repeat && !trials.at(-1)?.failure && !(trials.length > 0 && interrupt?.aborted); trial++) {
    trials.push(await runTrial(run, place, trial, onEvent, interrupt));
  }
  const { clientSysctls } = trials[0]!;
  const { failure } = trials.at(-1)!;
  const clientNotes = [...new Set(trials.flatMap((t) => t.notes))];
  const result: VariantResult = {
    name: variant.name,
    role: variant.role,
    description: variant.summary,
    ...(isCommandVariant(variant) && { command: variant.command }),
    status: failure ? 'failed' : 'complete',
    ...(failure && { failure }),
    ...(clientNotes.length > 0 && { clientNotes }),
    serverPort: trials[0]!.serverPort,
    ...(clientSysctls && { clientSysctls }),
    server: run.server,
    ...aggregateTrials(trials.map((t) => t.summary), run.load),
    trials: trials.map(({ serverPort, summary }) => ({ serverPort, summary })),
    samples: keptSamples(trials[0]!.samples),
  };
  onEvent({ type: 'variant-done', variant, result });
  return result;
}

/**
 * Runs every variant of the plan on its topology (run/plan.ts made it). A variant that fails is
 * recorded as failed and the next one runs; once `interrupt` is aborted (Ctrl-C), the variant
 * running is left out and no other starts: the result then holds the variants that had finished.
 */
export async function runScenario(
  plan: Pick<RunPlan, 'scenario' | 'settings' | 'variants' | 'requirements' | 'topology'>,
  onEvent: (event: RunEvent) => void = () => {},
  interrupt?: AbortSignal,
): Promise<Result> {
  const { scenario, settings, variants, requirements, topology: network } = plan;
  for (const requirement of requirements) await requirement.prepare();
  const startedAt = new Date().toISOString();
  const environment = await readEnvironment(network.record.mode === 'namespaces');
  // The programs the clients run on (Python and requests, Go), beside the packages that make the load.
  const runtimes = await Promise.all(requirements.map((r) => r.versions?.() ?? {}));
  const env = { ...environment, packages: Object.assign({}, environment.packages, ...runtimes) };
  const results: VariantResult[] = [];
  let interruptedDuring: string | undefined;
  const place = { scenario: scenario.name, settings, topology: network, hostPortRange: env.sysctl.ip_local_port_range };
  for (const run of variants) {
    try {
      results.push(await runVariant(run, place, onEvent, interrupt));
    } catch (error) {
      // After Ctrl-C, whatever broke (a child killed by the terminal's SIGINT or SIGHUP) is the interruption.
      if (!interrupt?.aborted) throw error;
      interruptedDuring = run.variant.name;
      break;
    }
  }
  const complete = results.filter((v) => v.status === 'complete');
  const summaries = new Map(complete.map((v) => [v.name, v.summary]));
  const runOf = (name: string) => ({
    load: variantLoad(settings, name),
    drains: drains(settings, scenario.variants.find((v) => v.name === name)),
    summary: summaries.get(name),
  });
  // An interruption that came once the last variant's load was done (during its drain) still interrupted the run.
  const interrupted = interruptedDuring ?? (interrupt?.aborted ? results.at(-1)?.name : undefined);
  const checked = checkClaims(scenario.claims, runOf);
  // What the interruption left unmeasured (a variant that never ran, a lifetime of a drain cut short) is not checked, not failed.
  const leftUnmeasured = interrupted ? checked.filter((c) => c.measured === null) : [];
  const notChecked = [...claimsNotChecked(scenario.claims, runOf), ...leftUnmeasured.map(interruptedClaim)];
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: scenario.name,
    description: scenario.summary,
    startedAt,
    finishedAt: new Date().toISOString(),
    env,
    params: { ...settings, server: { ...settings.server, host: network.record.serverAddress }, topology: network.record },
    sampling: samplingOf(network.record.mode, settings.intervalMs),
    status: interrupted ? 'interrupted' : complete.length < results.length ? 'failed' : 'complete',
    variants: results,
    claims: checked.filter((c) => !leftUnmeasured.includes(c)),
    ...(notChecked.length > 0 && { claimsNotChecked: notChecked }),
    verdict: verdict(results, interrupted),
  };
}
