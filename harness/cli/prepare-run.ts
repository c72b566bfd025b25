// What the scenario CLI checks of a scenario and the run options before a run starts, in one place:
// the workshop checks every scenario of its session with it before the first story, so that no run
// fails halfway through a session on options the check let through.
import { checkLoadOptions } from './run-options.ts';
import { checkServerSettings } from './server-options.ts';
import { networkOptions, type NetworkCliOptions } from './network-options.ts';
import { checkRequirements } from '../run/machine-check.ts';
import { checkOpenFiles } from '../run/open-files.ts';
import type { ScenarioRunSettings } from '../run/run-scenario.ts';
import { effectiveSettings, type SettingOverrides } from '../run/settings.ts';
import { allLoads } from '../result/schema.ts';
import { openTopology, type Topology } from '../stage/topology.ts';
import type { Scenario } from '../scenario/contract.ts';

/** The settings and the topology `scenario` runs with under `options`; a UsageError in one line for what cannot run. */
export async function prepareRun(scenario: Scenario, options: NetworkCliOptions & SettingOverrides): Promise<{ settings: ScenarioRunSettings; topology: Topology }> {
  checkLoadOptions(scenario.load, options);
  await checkRequirements(scenario);
  const settings = effectiveSettings(scenario, options);
  await checkServerSettings(settings.server);
  for (const load of allLoads(settings)) checkOpenFiles(scenario.name, load, (options.concurrency ?? options.maxInFlight) !== undefined);
  return { settings, topology: await openTopology(scenario, networkOptions(options)) };
}
