// One soak iteration: a scenario run in this process through runScenario, as the scenario CLI runs
// it, so whatever the harness leaks (memory, file descriptors, processes, namespaces) stays in the
// soak's process and shows at the boundary measured after it.
import { exactCounts } from '../result/aggregate.ts';
import { loadScenario } from '../scenario/catalog.ts';
import { missingRequirements } from '../run/machine-check.ts';
import { UsageError } from '../shared/errors.ts';
import { namespacesOf } from '../stage/netns.ts';
import { runScenario } from '../run/run-scenario.ts';
import type { RunEvent } from '../scenario/run-events.ts';
import type { ScenarioRunSettings } from '../result/run-settings.ts';
import { planScenario, type RunPlan } from '../run/plan.ts';
import { DEFAULT_INTERVAL_MS } from '../observe/sampling-interval.ts';
import type { Scenario } from '../scenario/contract.ts';
import { markedProcesses, measureBoundary } from './measure.ts';
import { entryText, type SoakEntry } from './plan.ts';
import type { Iteration, SoakVariant } from './schema.ts';
import type { VariantResult } from '../result/schema.ts';

export interface PreparedEntry extends RunPlan<Scenario, ScenarioRunSettings> {
  /** `<scenario>@<topology>`, the topology it really has (a bare name may have fallen back to loopback). */
  key: string;
}

/** Time a variant may take beyond its client's time limit: starting the server, namespaces, the tail. */
const SETUP_ALLOWANCE_MS = 30_000;

/** The longest one iteration of the entry can take before its own time limits stop it. */
export const iterationBoundMs = (entry: PreparedEntry) => entry.scenario.variants.length * (entry.settings.timeLimitMs + SETUP_ALLOWANCE_MS);

/**
 * Loads each entry's scenario and plans its run (run/plan.ts) before anything runs, so that an unknown
 * scenario, a missing requirement or a topology this machine cannot have is bad input (exit 2) at
 * once, not minutes into the soak.
 */
export async function prepareEntries(entries: SoakEntry[], requests: number | undefined): Promise<PreparedEntry[]> {
  const prepared: PreparedEntry[] = [];
  for (const entry of entries) {
    const scenario = await loadScenario(entry.scenario);
    const [lacks] = (await missingRequirements([scenario])).get(scenario.name) ?? [];
    if (lacks) throw new UsageError(`${scenario.name} needs ${lacks.what}; ${lacks.howToGet}`);
    const network = { netns: entry.netns, sysctls: {}, target: null, controlPort: null };
    const plan = await planScenario(scenario, { requests: requests ?? entry.requests, intervalMs: DEFAULT_INTERVAL_MS, repeat: 1, network, output: null }).catch((error: unknown) => {
      // Its words are the scenario CLI's (--netns on/off): say which entry, as written here.
      throw error instanceof UsageError ? new UsageError(`${entryText(entry)}: ${error.message}`) : error;
    });
    prepared.push({ key: `${scenario.name}@${plan.topology.record.mode}`, ...plan });
  }
  return prepared;
}

function variantFigures(variant: VariantResult): SoakVariant {
  const { kernelBySide, namespacePeaks } = variant.summary;
  return {
    name: variant.name,
    // The soak runs catalogue scenarios, whose variants are misconfigured or fixes, never measured.
    role: variant.role as SoakVariant['role'],
    status: variant.status,
    failure: variant.failure?.message ?? null,
    exactCounts: exactCounts(variant.summary),
    errorsByCode: variant.summary.requests.errorsByCode,
    kernelOpens: kernelBySide ? { client: kernelBySide.client.activeOpens, server: kernelBySide.server.passiveOpens } : null,
    namespaceTimeWaitPeak: namespacePeaks ? { client: namespacePeaks.client?.tw ?? 0, server: namespacePeaks.server?.tw ?? 0 } : null,
  };
}

/** Runs the entry's scenario once, then measures the boundary after it (after a forced GC). */
export async function runIteration(entry: PreparedEntry, iteration: number): Promise<Iteration> {
  const during = { processes: 0, namespaces: 0 };
  const looks: Promise<void>[] = [];
  // Once a variant's server (and namespaces) are up: proof that the checks below can see them.
  const look = async () => {
    const [processes, namespaces] = await Promise.all([markedProcesses(), namespacesOf(process.pid)]);
    during.processes = Math.max(during.processes, processes.length);
    during.namespaces = Math.max(during.namespaces, namespaces.length);
  };
  const onEvent = (event: RunEvent) => {
    if (event.type === 'variant-start') looks.push(look());
  };
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const result = await runScenario(entry, onEvent);
  const durationMs = Math.round(performance.now() - t0);
  await Promise.all(looks);
  const topology = result.params.topology.mode;
  if (topology !== 'loopback' && topology !== 'namespaces') throw new Error(`soak: a run on topology ${topology} (the soak makes loopback and namespace runs only)`);
  return {
    iteration,
    entry: entry.key,
    scenario: entry.scenario.name,
    topology,
    load: { requests: entry.settings.load.requests, concurrency: entry.settings.load.concurrency },
    startedAt,
    durationMs,
    claims: {
      held: result.claims.filter((c) => c.held).length,
      total: result.claims.length,
      failed: result.claims.filter((c) => !c.held).map((c) => `${c.text} (measured ${c.measured ?? 'nothing'})`),
    },
    variants: result.variants.map(variantFigures),
    during,
    after: await measureBoundary(),
  };
}
