// The settings a run uses: the scenario's, with the command line's overrides, one field each; a
// rate (--rate) turns the scenario's load into the open model, whatever its pattern was.
import { defaultTimeLimitMs } from '../load/load.ts';
import { defaultMaxInFlight } from './open-files.ts';
import type { ScenarioRunSettings } from './run-scenario.ts';
import { declaredLoad, type Scenario } from '../scenario/contract.ts';
import { type LoadSettings } from '../shapes/load-settings.ts';

export interface SettingOverrides {
  requests?: number;
  concurrency?: number;
  /** Requests started per second (the open model). */
  rate?: number;
  /** Under a rate, seconds of load: requests = rate × duration. */
  duration?: number;
  /** Under a rate, the most requests in flight: the load's concurrency. */
  maxInFlight?: number;
  bodyBytes?: number;
  intervalMs: number;
  timeLimitS?: number;
  repeat: number;
  /** --drain or --no-drain: every variant drains, or none; unset: as each variant says. */
  drain?: boolean;
}

/**
 * The load the overrides make of the scenario's (harness/cli/run-options.ts checkLoadOptions has
 * refused contradictions). Under a rate, the cap on requests in flight is --max-in-flight, else a
 * rate scenario's own concurrency, else as many as the open files limit allows: a closed loop's
 * concurrency says how many workers it had, not how many requests may wait on a slow server.
 */
export function effectiveLoad(declared: LoadSettings, o: Omit<SettingOverrides, 'intervalMs' | 'repeat'>): LoadSettings {
  const rate = o.rate ?? declared.rate;
  if (rate === undefined) return { ...declared, ...(o.requests && { requests: o.requests }), ...(o.concurrency && { concurrency: o.concurrency }) };
  const requests = o.duration !== undefined ? Math.max(1, Math.round(rate * o.duration)) : (o.requests ?? declared.requests);
  const concurrency = o.maxInFlight ?? (declared.pattern === 'rate' ? declared.concurrency : defaultMaxInFlight());
  return { requests, concurrency, pattern: 'rate', burstGapMs: 0, rate };
}

export function effectiveSettings(scenario: Scenario, o: SettingOverrides): ScenarioRunSettings {
  // A flag overrides one field of the scenario, never the whole of it.
  const load = effectiveLoad(scenario.load, o);
  const variantLoads = Object.fromEntries(scenario.variants.filter((v) => v.load).map((v) => [v.name, effectiveLoad(declaredLoad(scenario, v), o)]));
  const server = { ...scenario.server, ...(o.bodyBytes !== undefined && { bodyBytes: o.bodyBytes }) };
  // Long enough for the longest variant's load.
  const timeLimitMs = Math.max(...[load, ...Object.values(variantLoads)].map(defaultTimeLimitMs));
  return {
    load,
    ...(Object.keys(variantLoads).length > 0 && { variantLoads }),
    server,
    intervalMs: o.intervalMs,
    tailMs: 500,
    timeLimitMs: o.timeLimitS === undefined ? timeLimitMs : o.timeLimitS * 1000,
    repeat: o.repeat,
    ...(o.drain !== undefined && { drain: o.drain }),
  };
}
