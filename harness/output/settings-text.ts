// A run's settings in words: the server's, the load's, and the line a run prints before it starts
// (a scenario's settings, or a measurement's clients).
import type { RunnableScenario } from '../scenario/contract.ts';
import { isRateLoad, type LoadSettings } from '../shapes/load-settings.ts';
import { SERVER_DEFAULTS, type ServerSettingName, type ServerSettingOverrides, type ServerSettings } from '../shapes/server-settings.ts';
import { DRAIN_LIMIT_MS, drains, type RunSettings, type ScenarioRunSettings } from '../result/run-settings.ts';
import { formatCount } from '../shared/numbers.ts';

/** Each server setting in words (harness/shapes/server-settings.ts declares them). */
const SERVER_WORDS: { [K in ServerSettingName]-?: (value: NonNullable<ServerSettings[K]>) => string } = {
  bodyBytes: (v) => `body ${formatCount(v)} B`,
  responseDelayMs: (v) => `delay ${v} ms`,
  keepAliveTimeoutMs: (v) => `keepAliveTimeout ${formatCount(v)} ms`,
  keepAliveTimeoutBufferMs: (v) => `keepAliveTimeoutBuffer ${formatCount(v)} ms`,
  keepAliveHint: (v) => (v ? 'Keep-Alive hint sent' : 'no Keep-Alive hint'),
  afterResponse: (v) => ({ 'keep-alive': 'keeps connections alive', close: 'Connection: close (FIN)', reset: 'resets after each response (RST)' })[v],
  tls: (v) => (v ? 'HTTPS (TLS)' : 'plain HTTP'),
  http2: (v) => (v ? 'HTTP/2 by ALPN' : 'HTTP/1.1 only'),
};

/** `body 1,024 B, delay 0 ms, ...`: the settings given, in words. */
export function describeServer(server: ServerSettingOverrides): string {
  return (Object.keys(SERVER_WORDS) as ServerSettingName[])
    .filter((key) => server[key] !== undefined)
    .map((key) => (SERVER_WORDS[key] as (v: unknown) => string)(server[key]))
    .join(', ');
}

/** What a run's settings line names: body, delay and keep-alive timeout, and any other setting that is not its default. */
const HEADLINE: ServerSettingName[] = ['bodyBytes', 'responseDelayMs', 'keepAliveTimeoutMs'];
const headline = (server: ServerSettings): ServerSettingOverrides =>
  Object.fromEntries(Object.entries(server).filter(([key, value]) => HEADLINE.includes(key as ServerSettingName) || value !== SERVER_DEFAULTS[key as ServerSettingName]));

/** How the load is driven, in words: `concurrency 20`, `bursts of 10 ...`, `300 started a second for 4.0 s, at most 5,000 in flight`. */
export function describeLoad(load: LoadSettings): string {
  if (isRateLoad(load)) {
    return `${formatCount(load.rate)} started a second for ${(load.requests / load.rate).toFixed(1)} s (open model), at most ${formatCount(load.concurrency)} in flight`;
  }
  const spread = load.gapSpreadMs ? ` ± ${load.gapSpreadMs}` : '';
  return load.pattern === 'bursts'
    ? `bursts of ${formatCount(load.concurrency)} concurrent requests${load.burstGapMs ? `, ${load.burstGapMs}${spread} ms pause after each` : ''}`
    : `concurrency ${formatCount(load.concurrency)}`;
}

function scenarioSettings(scenario: RunnableScenario, s: ScenarioRunSettings): string {
  const load = describeLoad(s.load);
  const overrides = scenario.variants
    .filter((v) => v.server && Object.keys(v.server).length > 0)
    .map((v) => `; ${v.name}: ${describeServer(v.server!)}`)
    .join('');
  const ownLoads = Object.entries(s.variantLoads ?? {})
    .map(([name, own]) => `; ${name}: ${formatCount(own.requests)} requests, ${describeLoad(own)}`)
    .join('');
  const draining = scenario.variants.filter((v) => drains(s, v)).map((v) => v.name);
  return (
    `${scenario.name}: ${formatCount(s.load.requests)} requests per variant, ${load}${ownLoads}; ` +
    `server ${describeServer(headline(s.server))}${overrides}; ` +
    `ss sampled every ${s.intervalMs} ms; time limit ${s.timeLimitMs / 1000} s per variant` +
    (draining.length > 0 ? `; ${draining.join(', ')}: sampled on until TIME_WAIT is gone (at most ${DRAIN_LIMIT_MS / 1000} s)` : '') +
    (s.repeat > 1 ? `; ${s.repeat} trials per variant` : '')
  );
}

/** What a measurement runs: its clients, the server, sampling and time limit, in one line. */
function measurementSettings(measurement: RunnableScenario, s: RunSettings): string {
  const clients = measurement.variants.length === 1 ? '1 client' : `${measurement.variants.length} clients, one after the other`;
  return (
    `${measurement.name}: ${clients}, each against a fresh server (${describeServer(headline(s.server))}); ` +
    `ss sampled every ${s.intervalMs} ms; time limit ${s.timeLimitMs / 1000} s per client` +
    (s.repeat > 1 ? `; ${s.repeat} trials per client` : '')
  );
}

/** The effective settings in one line: a scenario's load, server and sampling, or what a measurement (no load) runs. */
export const settingsLine = (scenario: RunnableScenario, s: RunSettings): string =>
  s.load ? scenarioSettings(scenario, { ...s, load: s.load }) : measurementSettings(scenario, s);
