// The settings a run uses: the scenario's, with the command line's overrides, one field each.
import { defaultTimeLimitMs } from './load.ts';
import type { RunSettings } from './run-scenario.ts';
import type { Scenario } from '../scenario/contract.ts';

export interface SettingOverrides {
  requests?: number;
  concurrency?: number;
  bodyBytes?: number;
  intervalMs: number;
  timeLimitS?: number;
  repeat: number;
}

export function effectiveSettings(scenario: Scenario, o: SettingOverrides): RunSettings {
  // A flag overrides one field of the scenario, never the whole of it.
  const load = { ...scenario.load, ...(o.requests && { requests: o.requests }), ...(o.concurrency && { concurrency: o.concurrency }) };
  const server = { ...scenario.server, ...(o.bodyBytes !== undefined && { bodyBytes: o.bodyBytes }) };
  return {
    load,
    server,
    intervalMs: o.intervalMs,
    tailMs: 500,
    timeLimitMs: o.timeLimitS === undefined ? defaultTimeLimitMs(load) : o.timeLimitS * 1000,
    repeat: o.repeat,
  };
}
