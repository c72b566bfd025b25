// Runs a scenario: for each variant and each trial a fresh stage from the topology (a fresh server
// on a fresh port, or a fresh pair of network namespaces, so no trial inherits another's TIME_WAIT),
// the variant's client in its own process, the sampler alongside, kernel counters per side before
// and after. Returns the result; printing and writing are the caller's.
import { setTimeout as sleep } from 'node:timers/promises';
import { aggregateTrials } from './aggregate.ts';
import { checkClaims } from './claims.ts';
import { readEnvironment } from './environment.ts';
import { runVariantClient } from './client-process.ts';
import { counterSum } from './proc-net.ts';
import { readSideCounters, sideDeltas } from './probes.ts';
import { startSampler, type Sample } from './sampler.ts';
import { openTopology, type Stage, type Topology } from './topology.ts';
import { summarise } from './summary.ts';
import { verdict } from './verdict.ts';
import type { LoadProgress } from './load.ts';
import { requirementsOf, type LoadSettings, type Scenario, type ServerSettings, type Variant } from './scenario.ts';
import { SCHEMA_VERSION, type Result, type Trial, type VariantResult, type VariantSummary } from './result-schema.ts';

export interface RunSettings {
  load: LoadSettings;
  server: ServerSettings;
  /** Time between two samples of the socket table. */
  intervalMs: number;
  /** How long sampling goes on after the client is done, to catch the last closes. */
  tailMs: number;
  /** A variant still running after this long is stopped and the run fails. */
  timeLimitMs: number;
  /** Trials per variant; the summary holds each figure's median. */
  repeat: number;
}

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
}

async function runTrial(
  scenario: Scenario,
  variant: Variant,
  settings: RunSettings,
  topology: Topology,
  trial: number,
  onEvent: (e: RunEvent) => void,
): Promise<TrialOutcome> {
  const stage = await topology.stage(variant, serverSettings(settings, variant));
  try {
    onEvent({ type: 'variant-start', variant, host: stage.server.host, port: stage.server.port, trial, trials: settings.repeat });
    const before = await readSideCounters(stage.probes);
    const sampler = startSampler(
      stage.server.port,
      settings.intervalMs,
      performance.now(),
      (sample) => onEvent({ type: 'sample', variant, sample }),
      stage.probes,
    );
    let outcome;
    try {
      outcome = await runVariantClient(
        variant,
        { scenario: scenario.name, variant: variant.name, url: stage.url, load: settings.load },
        settings.timeLimitMs,
        (progress) => onEvent({ type: 'progress', variant, progress }),
        stage.clientNetns ?? undefined,
      );
      await sleep(settings.tailMs);
    } finally {
      await sampler.stop().catch(() => {});
    }
    const samples = sampler.samples;
    const bySide = sideDeltas(before, await readSideCounters(stage.probes));
    const kernel = counterSum(Object.values(bySide));
    // A target without a control endpoint cannot say what it accepted: the client host's kernel can.
    const stats = (await stage.server.stats()) ?? { connectionsAccepted: kernel.activeOpens, connectionsOpen: 0, requestsServed: outcome.ok };
    const summary = summarise(settings.load.requests, outcome, stats, samples, kernel, { kernel: bySide, peaks: sampler.peaks });
    onEvent({ type: 'trial-done', variant, trial, trials: settings.repeat, summary });
    return { serverPort: stage.server.port, summary, samples, clientSysctls: stage.clientSysctls };
  } finally {
    await stage.close();
  }
}

async function runVariant(scenario: Scenario, variant: Variant, settings: RunSettings, topology: Topology, onEvent: (e: RunEvent) => void) {
  const trials: TrialOutcome[] = [];
  for (let trial = 1; trial <= settings.repeat; trial++) trials.push(await runTrial(scenario, variant, settings, topology, trial, onEvent));
  const { clientSysctls } = trials[0]!;
  const result: VariantResult = {
    name: variant.name,
    role: variant.role,
    description: variant.summary,
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

/** Runs every variant on `topology` (default: loopback, as `--netns off`). */
export async function runScenario(
  scenario: Scenario,
  settings: RunSettings,
  onEvent: (event: RunEvent) => void = () => {},
  topology?: Topology,
): Promise<Result> {
  for (const requirement of requirementsOf(scenario)) await requirement.prepare();
  const network = topology ?? (await openTopology(scenario, { netns: 'off', sysctls: {}, target: null, controlPort: null }));
  const startedAt = new Date().toISOString();
  const env = await readEnvironment(network.record.mode === 'namespaces');
  const variants: VariantResult[] = [];
  for (const variant of scenario.variants) variants.push(await runVariant(scenario, variant, settings, network, onEvent));
  const summaries = new Map(variants.map((v) => [v.name, v.summary]));
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: scenario.name,
    description: scenario.summary,
    startedAt,
    finishedAt: new Date().toISOString(),
    env,
    params: { ...settings, server: { ...settings.server, host: network.record.serverAddress }, topology: network.record },
    variants,
    claims: checkClaims(scenario.claims, summaries, settings.load),
    verdict: verdict(variants),
  };
}
