// The settings a run uses, made here only (run/plan.ts asks): a scenario's, with the command line's
// overrides, one field each (a rate, --rate, turns the scenario's load into the open model, whatever
// its pattern was); a measurement's, which has no load. And the bounds of every option.
import { defaultTimeLimitMs } from '../load/load.ts';
import { defaultMaxInFlight } from './open-files.ts';
import type { RunSettings, ScenarioRunSettings } from '../result/run-settings.ts';
import { declaredLoad, type Scenario } from '../scenario/contract.ts';
import { type LoadSettings } from '../shapes/load-settings.ts';
import { MAX_BODY_BYTES, type ServerSettings } from '../shapes/server-settings.ts';
import { formatCount } from '../shared/numbers.ts';

/** The most each option accepts: bounded, so that no run asks for more than a machine can give. */
export const LIMITS = {
  requests: 200_000,
  concurrency: 5_000,
  rate: 50_000,
  durationS: 3_600,
  bodyBytes: MAX_BODY_BYTES,
  intervalMs: 60_000,
  timeLimitS: 3_600,
  repeat: 100,
};

/** How long sampling goes on after a load, for its last closes. */
const TAIL_MS = 500;
/** How long a measured client may run, unless --time-limit-s says: it has no request count to derive one from. */
export const MEASUREMENT_TIME_LIMIT_S = 60;

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
  /** --tls, --http2: the server speaks HTTPS, and HTTP/2 by ALPN; unset: as the scenario says. */
  tls?: boolean;
  http2?: boolean;
  intervalMs: number;
  timeLimitS?: number;
  repeat: number;
  /** --drain or --no-drain: every variant drains, or none; unset: as each variant says. */
  drain?: boolean;
}

/**
 * The load the overrides make of the scenario's (loadOptionProblems has
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
  const server = {
    ...scenario.server,
    ...(o.bodyBytes !== undefined && { bodyBytes: o.bodyBytes }),
    ...(o.tls && { tls: true }),
    ...(o.http2 && { http2: true }),
  };
  // Long enough for the longest variant's load.
  const timeLimitMs = Math.max(...[load, ...Object.values(variantLoads)].map(defaultTimeLimitMs));
  return {
    load,
    ...(Object.keys(variantLoads).length > 0 && { variantLoads }),
    server,
    intervalMs: o.intervalMs,
    tailMs: TAIL_MS,
    timeLimitMs: o.timeLimitS === undefined ? timeLimitMs : o.timeLimitS * 1000,
    repeat: o.repeat,
    ...(o.drain !== undefined && { drain: o.drain }),
  };
}

/** The settings of a measurement (npm run measure): no load, each client makes the requests it makes. */
export function measurementSettings(server: ServerSettings, o: Pick<SettingOverrides, 'intervalMs' | 'repeat' | 'drain' | 'timeLimitS'>): RunSettings {
  return {
    load: null,
    server,
    intervalMs: o.intervalMs,
    tailMs: TAIL_MS,
    timeLimitMs: (o.timeLimitS ?? MEASUREMENT_TIME_LIMIT_S) * 1000,
    repeat: o.repeat,
    ...(o.drain !== undefined && { drain: o.drain }),
  };
}

/**
 * The load options that contradict each other or the scenario's load, one line each: the closed
 * loop's --concurrency under a rate, --max-in-flight or --duration without one, a rate × duration
 * beyond the request limit. `declared`: the scenario's load; null when the scenario could not be
 * loaded (then only what --rate says can be checked).
 */
export function loadOptionProblems(declared: LoadSettings | null, o: Omit<SettingOverrides, 'intervalMs' | 'repeat'>): string[] {
  const rate = o.rate ?? declared?.rate;
  const whose = o.rate === undefined ? "the scenario's rate" : '--rate';
  if (rate === undefined) {
    if (!declared) return [];
    return [
      ...(o.maxInFlight !== undefined ? ['--max-in-flight caps requests in flight under a rate; give --rate too (without a rate, --concurrency sets the requests in flight)'] : []),
      ...(o.duration !== undefined ? ['--duration is the length of a load under a rate; give --rate too (without a rate, the load is a count: --requests)'] : []),
    ];
  }
  const problems: string[] = [];
  if (o.concurrency !== undefined) {
    problems.push(`--concurrency has no meaning with ${whose}: requests start on a schedule, whether earlier ones were answered or not; cap those in flight with --max-in-flight`);
  }
  if (o.duration !== undefined) {
    const requests = Math.round(rate * o.duration);
    if (requests < 1 || requests > LIMITS.requests) {
      problems.push(
        `${whose} ${formatCount(rate)} a second for --duration ${o.duration} s makes ${formatCount(requests)} requests; ` +
          `a run takes from 1 to ${formatCount(LIMITS.requests)} requests (rate × duration)`,
      );
    }
  }
  return problems;
}
