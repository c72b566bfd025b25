// The one way into a run. From a scenario (one of the catalogue, a measurement built from the
// command line, a soak's entry, a workshop's) and the options: the complete plan of the run, its
// effective settings and what they make of each variant (its load, its server, its drain), what the
// clients need prepared, the checks of the machine and the open files, the topology and where the
// result goes. Every check is made, and every problem is named in one refusal (exit 2), never the
// first one only: nothing has started yet.
import path from 'node:path';
import { checkMachine, checkRequirements } from './machine-check.ts';
import { checkOpenFiles } from './open-files.ts';
import type { RunSettings } from '../result/run-settings.ts';
import { effectiveSettings, loadOptionProblems, measurementSettings, type SettingOverrides } from './settings.ts';
import { allLoads, variantLoad } from '../result/schema.ts';
import { drains } from '../result/run-settings.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import { checkDestination, RESULTS_DIR, type ResultDestination } from '../result/file.ts';
import { removeLeftoverInstances } from '../observe/tracer.ts';
import { openTopology, type NetworkOptions, type Topology } from '../stage/topology.ts';
import { checkServerSettings } from '../stage/certificates.ts';
import { requirementsOf, type Requirement, type RunnableScenario, type Scenario, type Variant } from '../scenario/contract.ts';
import type { ServerSettings } from '../shapes/server-settings.ts';
import { UsageError } from '../shared/errors.ts';

/** Where the result goes: `out`, a file; else a new file in `outDir` (default results/). */
export interface DestinationOptions {
  out?: string | undefined;
  outDir?: string | undefined;
}

/** What a run needs of one variant, worked out before it starts. */
export interface VariantPlan {
  variant: Variant;
  /** null: a measured command, which makes the requests it makes. */
  load: LoadSettings | null;
  /** The run's server settings with the variant's own over them. */
  server: ServerSettings;
  /** Whether it samples on after its load until its TIME_WAIT is gone. */
  drains: boolean;
}

export interface RunPlan<S extends RunnableScenario = RunnableScenario, T extends RunSettings = RunSettings> {
  scenario: S;
  settings: T;
  /** The scenario's variants, in order, each with its load, server and drain. */
  variants: VariantPlan[];
  /** What the variants' clients need prepared before the run (a Go client built). */
  requirements: Requirement[];
  topology: Topology;
  /** null: the run writes no file of its own (a soak's iteration, a workshop's check). */
  destination: ResultDestination | null;
  /** The temporary files of killed runs that the destination's check removed. */
  leftovers: string[];
}

/** What a plan is made of besides its scenario: the options, and what the run needs checked. */
interface PlanRequest<S extends RunnableScenario, T extends RunSettings> {
  /** The options' problems that do not need the scenario (null: it could not be loaded). */
  optionProblems: (scenario: S | null) => string[];
  settings: (scenario: S) => T;
  /** Whether a load's concurrency came from a flag (the open files refusal names it). */
  concurrencyFromFlag: boolean;
  network: NetworkOptions;
  /** null: no result file (its destination is not checked). */
  output: DestinationOptions | null;
  /** Also refuse a scenario whose variants need what this machine lacks (a catalogue scenario; a measurement's commands are checked as they are parsed). */
  requirements: boolean;
}

/** What a step gives, or null and the problem it refused with (a UsageError); anything else is thrown (a bug, the lab's own failure). */
async function attempt<T>(step: () => Promise<T> | T): Promise<{ value: T | null; problems: string[] }> {
  try {
    return { value: await step(), problems: [] };
  } catch (error) {
    if (error instanceof UsageError) return { value: null, problems: [error.message] };
    throw error;
  }
}

function destinationOf(output: DestinationOptions): ResultDestination {
  return output.out ? { file: path.resolve(output.out) } : { folder: path.resolve(output.outDir ?? RESULTS_DIR) };
}

/** `scenario` may still be loading: its refusal is one problem among the others. */
async function plan<S extends RunnableScenario, T extends RunSettings>(loading: S | Promise<S>, request: PlanRequest<S, T>): Promise<RunPlan<S, T>> {
  const destination = request.output && destinationOf(request.output);
  // Checks that need nothing but the machine and the options, at once.
  const [machine, scenario, leftovers] = await Promise.all([
    attempt(checkMachine),
    attempt(() => loading),
    attempt(async () => (destination ? checkDestination(destination) : [])),
  ]);
  const problems = [...machine.problems, ...scenario.problems, ...request.optionProblems(scenario.value)];
  let settings: T | null = null;
  let topology: Topology | null = null;
  // What needs the scenario, once it and the options are good.
  const s = scenario.value;
  if (s && problems.length === 0) {
    if (request.requirements) problems.push(...(await attempt(() => checkRequirements(s))).problems);
    settings = request.settings(s);
    const { server } = settings;
    problems.push(...(await attempt(() => checkServerSettings(server))).problems);
    for (const load of allLoads(settings)) problems.push(...(await attempt(() => checkOpenFiles(s.name, load, request.concurrencyFromFlag))).problems);
    const opened = await attempt(() => openTopology(s, request.network));
    topology = opened.value;
    // A killed run's tracing instances (observe/tracer.ts), like its namespaces, go before a run starts.
    const instances = await removeLeftoverInstances().catch(() => []);
    if (instances.length > 0) topology?.notes.unshift(`removed ${instances.length} tracing instances left by killed runs: ${instances.join(', ')}`);
    problems.push(...opened.problems);
  }
  problems.push(...leftovers.problems);
  if (problems.length > 0 || !s || !settings || !topology) throw new UsageError(problems.join('; '));
  const variants = s.variants.map((variant) => ({
    variant,
    load: variantLoad(settings, variant.name),
    server: { ...settings.server, ...variant.server },
    drains: drains(settings, variant),
  }));
  return { scenario: s, settings, variants, requirements: requirementsOf(s), topology, destination, leftovers: leftovers.value ?? [] };
}

export interface ScenarioPlanOptions extends SettingOverrides {
  network: NetworkOptions;
  output: DestinationOptions | null;
}

/** The plan of a run of a catalogue scenario (npm run scenario, the workshop's check, a soak's entry): `scenario` loaded, or being loaded. */
export function planScenario(scenario: Scenario | Promise<Scenario>, { network, output, ...overrides }: ScenarioPlanOptions) {
  return plan(scenario, {
    optionProblems: (s) => loadOptionProblems(s?.load ?? null, overrides),
    settings: (s) => effectiveSettings(s, overrides),
    concurrencyFromFlag: (overrides.concurrency ?? overrides.maxInFlight) !== undefined,
    network,
    output,
    requirements: true,
  });
}

export interface MeasurementPlanOptions extends Pick<SettingOverrides, 'intervalMs' | 'repeat' | 'drain' | 'timeLimitS'> {
  server: ServerSettings;
  network: NetworkOptions;
  output: DestinationOptions;
}

/** The plan of a measurement (npm run measure): the scenario built from its clients; it has no load of its own. */
export function planMeasurement<S extends RunnableScenario>(scenario: S, { server, network, output, ...trial }: MeasurementPlanOptions) {
  return plan(scenario, {
    optionProblems: () => [],
    settings: () => measurementSettings(server, trial),
    concurrencyFromFlag: false,
    network,
    output,
    requirements: false,
  });
}
