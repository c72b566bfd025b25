// Runs a scenario: for each variant a fresh server (fresh port, so no variant inherits another's
// TIME_WAIT), the variant's client in its own process, the sampler alongside, kernel counters before
// and after. Returns the result; printing and writing are the caller's.
import { setTimeout as sleep } from 'node:timers/promises';
import { checkClaims } from './claims.ts';
import { readEnvironment } from './environment.ts';
import { runClient } from './client-process.ts';
import { counterDelta, readKernelCounters } from './proc-net.ts';
import { startSampler, type Sample } from './sampler.ts';
import { startServer } from './server-process.ts';
import { summarise } from './summary.ts';
import { verdict } from './verdict.ts';
import type { LoadProgress } from './load.ts';
import type { LoadSettings, Scenario, ServerSettings, Variant } from './scenario.ts';
import type { Result, VariantResult } from './result-schema.ts';

export interface RunSettings {
  load: LoadSettings;
  server: ServerSettings;
  /** Time between two samples of the socket table. */
  intervalMs: number;
  /** How long sampling goes on after the client is done, to catch the last closes. */
  tailMs: number;
  /** A variant still running after this long is stopped and the run fails. */
  timeLimitMs: number;
}

export type RunEvent =
  | { type: 'variant-start'; variant: Variant; port: number }
  | { type: 'progress'; variant: Variant; progress: LoadProgress }
  | { type: 'sample'; variant: Variant; sample: Sample }
  | { type: 'variant-done'; variant: Variant; result: VariantResult };

const HOST = '127.0.0.1';

async function runVariant(scenario: Scenario, variant: Variant, settings: RunSettings, onEvent: (e: RunEvent) => void) {
  const server = await startServer(settings.server, HOST);
  try {
    onEvent({ type: 'variant-start', variant, port: server.port });
    const before = await readKernelCounters();
    const sampler = startSampler(server.port, settings.intervalMs, performance.now(), (sample) => onEvent({ type: 'sample', variant, sample }));
    let outcome;
    try {
      outcome = await runClient(
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
    const result: VariantResult = {
      name: variant.name,
      role: variant.role,
      description: variant.summary,
      serverPort: server.port,
      summary: summarise(settings.load.requests, outcome, stats, samples, kernel),
      samples,
    };
    onEvent({ type: 'variant-done', variant, result });
    return result;
  } finally {
    await server.stop();
  }
}

export async function runScenario(
  scenario: Scenario,
  settings: RunSettings,
  onEvent: (event: RunEvent) => void = () => {},
): Promise<Result> {
  const startedAt = new Date().toISOString();
  const env = await readEnvironment(false);
  const variants: VariantResult[] = [];
  for (const variant of scenario.variants) variants.push(await runVariant(scenario, variant, settings, onEvent));
  const summaries = new Map(variants.map((v) => [v.name, v.summary]));
  return {
    schemaVersion: 1,
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
