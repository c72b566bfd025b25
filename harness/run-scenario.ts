// Runs a scenario: for each variant and each trial a fresh server (fresh port, so no trial inherits
// another's TIME_WAIT), the variant's client in its own process, the sampler alongside, kernel
// counters before and after. Returns the result; printing and writing are the caller's.
import { setTimeout as sleep } from 'node:timers/promises';
import { aggregateTrials } from './aggregate.ts';
import { checkClaims } from './claims.ts';
import { readEnvironment } from './environment.ts';
import { runVariantClient } from './client-process.ts';
import { counterDelta, readKernelCounters } from './proc-net.ts';
import { startSampler, type Sample } from './sampler.ts';
import { startServer } from './server-process.ts';
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
  | { type: 'variant-start'; variant: Variant; port: number; trial: number; trials: number }
  | { type: 'progress'; variant: Variant; progress: LoadProgress }
  | { type: 'sample'; variant: Variant; sample: Sample }
  | { type: 'trial-done'; variant: Variant; trial: number; trials: number; summary: VariantSummary }
  | { type: 'variant-done'; variant: Variant; result: VariantResult };

const HOST = '127.0.0.1';

/** The server settings a variant runs against: the run's, with the variant's own over them. */
const serverSettings = (settings: RunSettings, variant: Variant): ServerSettings => ({ ...settings.server, ...variant.server });

interface TrialOutcome extends Trial {
  samples: VariantResult['samples'];
}

async function runTrial(
  scenario: Scenario,
  variant: Variant,
  settings: RunSettings,
  trial: number,
  onEvent: (e: RunEvent) => void,
): Promise<TrialOutcome> {
  const server = await startServer(serverSettings(settings, variant), HOST);
  try {
    onEvent({ type: 'variant-start', variant, port: server.port, trial, trials: settings.repeat });
    const before = await readKernelCounters();
    const sampler = startSampler(server.port, settings.intervalMs, performance.now(), (sample) => onEvent({ type: 'sample', variant, sample }));
    let outcome;
    try {
      outcome = await runVariantClient(
        variant,
        { scenario: scenario.name, variant: variant.name, url: `http://${HOST}:${server.port}/`, load: settings.load },
        settings.timeLimitMs,
        (progress) => onEvent({ type: 'progress', variant, progress }),
      );
      await sleep(settings.tailMs);
    } finally {
      await sampler.stop().catch(() => {});
    }
    const samples = sampler.samples;
    const kernel = counterDelta(before, await readKernelCounters());
    const stats = await server.stats();
    const summary = summarise(settings.load.requests, outcome, stats, samples, kernel);
    onEvent({ type: 'trial-done', variant, trial, trials: settings.repeat, summary });
    return { serverPort: server.port, summary, samples };
  } finally {
    await server.stop();
  }
}

async function runVariant(scenario: Scenario, variant: Variant, settings: RunSettings, onEvent: (e: RunEvent) => void) {
  const trials: TrialOutcome[] = [];
  for (let trial = 1; trial <= settings.repeat; trial++) trials.push(await runTrial(scenario, variant, settings, trial, onEvent));
  const result: VariantResult = {
    name: variant.name,
    role: variant.role,
    description: variant.summary,
    serverPort: trials[0]!.serverPort,
    server: serverSettings(settings, variant),
    ...aggregateTrials(trials.map((t) => t.summary), settings.load),
    trials: trials.map(({ serverPort, summary }) => ({ serverPort, summary })),
    samples: trials[0]!.samples,
  };
  onEvent({ type: 'variant-done', variant, result });
  return result;
}

export async function runScenario(
  scenario: Scenario,
  settings: RunSettings,
  onEvent: (event: RunEvent) => void = () => {},
): Promise<Result> {
  for (const requirement of requirementsOf(scenario)) await requirement.prepare();
  const startedAt = new Date().toISOString();
  const env = await readEnvironment(false);
  const variants: VariantResult[] = [];
  for (const variant of scenario.variants) variants.push(await runVariant(scenario, variant, settings, onEvent));
  const summaries = new Map(variants.map((v) => [v.name, v.summary]));
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: scenario.name,
    description: scenario.summary,
    startedAt,
    finishedAt: new Date().toISOString(),
    env,
    params: { ...settings, server: { ...settings.server, host: HOST } },
    variants,
    claims: checkClaims(scenario.claims, summaries, settings.load),
    verdict: verdict(variants),
  };
}
