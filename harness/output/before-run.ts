// What a command that runs variants prints before its run, from the run's plan: how to keep npm's
// banner out of JSON on stdout, the temporary files of killed runs that were removed, the story,
// the effective settings, and which network the run has.
import { npmBannerNote } from './npm-banner.ts';
import { settingsLine } from './settings-text.ts';
import { variantSysctls, type SysctlSettings } from '../scenario/client-sysctls.ts';
import type { RunnableScenario } from '../scenario/contract.ts';
import type { Topology } from '../stage/topology.ts';
import type { RunSettings } from '../result/run-settings.ts';
import { serverSettingsSchema, type ServerSettingName, type ServerSettings } from '../shapes/server-settings.ts';

/** What the user should know about the network before the run starts, one line each. */
export function describeNetwork(topology: Topology, scenario: RunnableScenario, server: ServerSettings, overrides: SysctlSettings): string[] {
  const lines = [...topology.notes];
  if (topology.record.mode === 'namespaces') {
    for (const variant of scenario.variants) {
      const set = Object.entries(variantSysctls(scenario, variant, overrides));
      if (set.length > 0) lines.push(`  ${variant.name}: client namespace sysctls ${set.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    }
  }
  const actual = topology.record.targetServer;
  if (actual) {
    const differ = (Object.keys(serverSettingsSchema.shape) as ServerSettingName[]).filter((k) => actual[k] !== server[k]);
    // Unset: the server's own (Node's keepAliveTimeoutBuffer).
    const value = (v: unknown) => (v === undefined ? 'unset' : String(v));
    if (differ.length > 0) {
      lines.push(
        `note: the target's settings differ from the scenario's (${differ.map((k) => `${k} ${value(actual[k])} instead of ${value(server[k])}`).join(', ')}); the claims assume the scenario's`,
      );
    }
  }
  return lines;
}

/** What of a run's plan (run/plan.ts) is told before it starts. */
interface Planned {
  scenario: RunnableScenario;
  settings: RunSettings;
  topology: Topology;
  leftovers: string[];
}

/**
 * The lines before the run: with --json through `npm run` without -s, how to keep npm's banner out
 * of stdout; unless quiet, the removed leftovers, then `story` (a scenario's, when asked for), the
 * effective settings (output/settings-text.ts) and the network.
 */
export function beforeRunLines(command: string, plan: Planned, o: { json?: boolean | undefined; quiet: boolean; story?: string | null }): string[] {
  const banner = o.json && !process.stdout.isTTY ? npmBannerNote(command) : null;
  const { scenario, settings, topology, leftovers } = plan;
  return [
    ...(banner ? [banner] : []),
    ...(o.quiet
      ? []
      : [
          ...(leftovers.length > 0 ? [`removed ${leftovers.length} temporary files left by killed runs: ${leftovers.join(', ')}`] : []),
          ...(o.story ? [`${o.story}\n`] : []),
          settingsLine(scenario, settings),
          ...describeNetwork(topology, scenario, settings.server, topology.record.sysctlOverrides),
        ]),
  ];
}
