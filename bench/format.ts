// Human output of the benchmark: returns strings, the caller prints them (on stderr).
import Table from 'cli-table3';
import type { BenchResult, IntervalRun, LoadSection, RatedWay, RateSection, SamplerSection, HarnessSection, Target, TracerSection } from './bench-schema.ts';
import { tracerShareAt } from './tracer-bench.ts';
import { formatCount } from '../harness/shared/numbers.ts';

const fixed = (x: number, digits = 1) => x.toFixed(digits);
const percent = (share: number) => `${fixed(share * 100)}%`;
const table = (head: string[]) => new Table({ head, style: { head: [], border: [], compact: true } });

function waysTable(ways: RatedWay[]): string {
  const t = table(['way', 'command', 'wall ms', 'CPU ms own+children', 'x cheapest wall', 'x cheapest CPU', 'same counts']);
  for (const w of ways) {
    t.push([
      w.name,
      w.command,
      fixed(w.wallMs, 2),
      `${fixed(w.cpuMs.total, 2)} = ${fixed(w.cpuMs.own, 2)} + ${fixed(w.cpuMs.children, 2)}`,
      fixed(w.ratioToCheapest.wall, 2),
      fixed(w.ratioToCheapest.cpu, 2),
      w.agreesWithLab === null ? '-' : w.agreesWithLab ? 'yes' : 'NO',
    ]);
  }
  return t.toString();
}

export function formatSampler(section: SamplerSection): string {
  const lines = [`Sampler: one read of the socket table, ${section.where}`, ...section.notes.map((note) => `  note: ${note}`)];
  for (const s of section.sizes) {
    const { loopback, namespaces, floor } = s.atDefaultInterval;
    const run = (name: string, r: IntervalRun) =>
      `    ${name}: ${fixed(r.samplesPerSec)} samples/s, jitter p50 ${fixed(r.jitterMs.p50, 0)} / p99 ${fixed(r.jitterMs.p99, 0)} / max ${fixed(r.jitterMs.max, 0)} ms, ` +
      `CPU ${percent(r.cpuShareOfOneCore)} of one core`;
    lines.push(
      '',
      `${formatCount(s.timeWait.clientSide)} client-side TIME_WAIT (server side ${formatCount(s.timeWait.serverSide)}, namespace ${formatCount(s.timeWait.namespace)}), ` +
        `piled up in ${fixed(s.buildMs / 1000)} s by no-body-close "bad" on ${s.destinations} address(es); the lab reads it ${s.pilePort.labReading}`,
      waysTable(s.pilePort.ways),
      `  a port with only its listener, among the pile (a crowded namespace); the lab reads it ${s.idlePort.labReading}:`,
      waysTable(s.idlePort.ways),
      `  sampler: ${fixed(s.maxSamplesPerSec)} samples/s back to back (loopback); every ${loopback.intervalMs} ms, with its ss helper:`,
      run('loopback (the socket table at every sample)', loopback),
      namespaces ? run('namespaces (each side\'s counts as files, the tables now and then)', namespaces) : '    namespaces: not measured (no namespaces of its own)',
      run(`floor (${namespaces ? "each side's" : 'the'} /proc/<pid>/net/sockstat alone)`, floor),
    );
  }
  return lines.join('\n');
}

export function formatLoad(section: LoadSection): string {
  const t = table(['tool', 'how', 'responses (tool)', 'requests (server)', 'connections (server)', 'req/s (tool)', 'x autocannon', 'counts']);
  for (const tool of section.tools) {
    t.push([
      tool.name,
      tool.how,
      formatCount(tool.responses),
      formatCount(tool.server.requestsServed),
      formatCount(tool.server.connectionsAccepted),
      formatCount(tool.reqPerSec),
      tool.ratioToAutocannon === null ? '-' : fixed(tool.ratioToAutocannon, 2),
      tool.agrees ? 'agree' : 'DIFFER',
    ]);
  }
  return [
    `Load: ${formatCount(section.requests)} requests at concurrency ${section.concurrency} per tool, one server, one tool after another`,
    t.toString(),
    ...section.tools.filter((tool) => tool.disagreement).map((tool) => `  differ: ${tool.disagreement}`),
    ...section.skipped.map((s) => `  skipped: ${s.name}, ${s.why}`),
  ].join('\n');
}

export function formatRate(section: RateSection): string {
  const t = table(['asked', 'tool', 'achieved/s', 'dropped', 'held', 'latency p50 / p99 ms', 'service p50 / p99 ms', 'requests (server)', 'connections (server)']);
  for (const run of section.runs) {
    t.push([
      `${formatCount(run.askedPerSec)}/s`,
      run.name,
      fixed(run.achievedPerSec),
      run.dropped === null ? '-' : formatCount(run.dropped),
      run.held ? 'held' : 'NOT held',
      `${fixed(run.latencyMs.p50, 2)} / ${fixed(run.latencyMs.p99, 2)}`,
      run.serviceTimeMs ? `${fixed(run.serviceTimeMs.p50, 2)} / ${fixed(run.serviceTimeMs.p99, 2)}` : '-',
      formatCount(run.server.requestsServed),
      formatCount(run.server.connectionsAccepted),
    ]);
  }
  return [
    `Rate: each rate for ${section.seconds} s per tool, one server, one tool after another; ` +
      `the lab at most ${formatCount(section.labMaxInFlight)} in flight, autocannon over ${section.autocannonConnections} connections`,
    t.toString(),
    ...[...new Map(section.runs.map((run) => [run.name, run.how])).entries()].map(([name, how]) => `  ${name}: ${how}`),
    '  achieved/s: the lab, requests started per second; autocannon, requests the server served per second of its run.',
    '  latency: the lab, from each request\'s scheduled start; autocannon, corrected for coordinated omission by its own account.',
  ].join('\n');
}

export function formatHarness(section: HarnessSection): string {
  const t = table(['scenario', 'mode', 'wall s', 'start-up ms', 'set-up ms', 'set-up s', 'load s', 'harness ms', 'helper ms', 'server+clients ms', 'observer share', 'whole run', 'claims']);
  for (const s of section.scenarios) {
    t.push([
      [s.scenario, ...s.args].join(' '),
      s.mode,
      fixed(s.wallMs / 1000),
      formatCount(s.startupCpuMs),
      formatCount(s.setupCpuMs),
      fixed(s.setupWallMs / 1000),
      fixed(s.load.wallMs / 1000),
      formatCount(s.load.harnessMs),
      formatCount(s.load.helperMs),
      formatCount(s.load.serverAndClientsMs),
      percent(s.load.observerShare),
      percent(s.harnessShareOfTotal),
      s.claimsHeld ? 'held' : 'FAILED',
    ]);
  }
  const { nodeFloorMs, listMs, listColdMs } = section.start;
  const pace = table(['run', 'samples', 'harness ms', 'helper ms', 'server+clients ms', 'observer share']);
  const [first] = section.pace;
  const highest = first && section.scenarios.find((s) => s.scenario === first.scenario);
  for (const s of highest ? [highest, ...section.pace] : []) {
    pace.push([
      [s.scenario, ...s.args].join(' '),
      formatCount(s.samplesTaken),
      formatCount(s.load.harnessMs),
      formatCount(s.load.helperMs),
      formatCount(s.load.serverAndClientsMs),
      percent(s.load.observerShare),
    ]);
  }
  return [
    'Harness: each scenario through the real CLI. While the load runs (each variant from its first request to its last sample):',
    'the CLI process and its ss helper (the observer) beside the server and the clients; start-up (the CLI before its first stage)',
    "and set-up (namespaces, agents, server, helper: its CPU in ms, its wall time in s) apart; whole run: the CLI's own CPU of its own and its children's.",
    t.toString(),
    ...section.skipped.map(({ scenario, why }) => `  skipped: ${scenario}: it ${why}`),
    ...(highest ? ['  the sampler\'s pace: the scenario with the highest observer share again, sampled less often (samples: all its variants\' samples)', pace.toString()] : []),
    `  start: npm run scenario -- --list takes ${formatCount(listMs)} ms of CPU with the compile cache (${formatCount(listColdMs)} ms without); node -e 0 takes ${formatCount(nodeFloorMs)} ms`,
  ].join('\n');
}

/** The tracer beside the sampler: idle, per 1,000 connections, and at each scenario's peak rate of new connections (when the harness part ran). */
export function formatTracer(tracer: TracerSection, harness: HarnessSection | null): string {
  if (!tracer.measured) return `Tracer (connection ledger): not measured: ${tracer.whyNot}`;
  const lines = [
    `Tracer (connection ledger), ${formatCount(tracer.connections)} connections of one request each on loopback in ${fixed(tracer.loadWallMs / 1000)} s ` +
      `(${formatCount(tracer.stateChanges)} state changes, ${formatCount(tracer.traced)} connections traced, ${formatCount(tracer.lostEvents)} events lost):`,
    `  idle: ${percent(tracer.idleShareOfCore)} of one core; per 1,000 connections: ${fixed(tracer.readCpuMsPer1000)} ms of CPU reading the trace while the load runs, ${fixed(tracer.ledgerCpuMsPer1000)} ms decoding it and building the ledger after`,
  ];
  if (!harness) return lines.join('\n');
  const t = table(['scenario', 'peak new connections/s', 'tracer, share of one core']);
  for (const s of harness.scenarios) t.push([[s.scenario, ...s.args].join(' '), formatCount(s.peakNewConnectionsPerSec), percent(tracerShareAt(tracer, s.peakNewConnectionsPerSec))]);
  return [...lines, '  beside the load, at each scenario\'s peak rate (its CPU is part of the harness\'s below, in runs as root):', t.toString()].join('\n');
}

export function formatTargets(targets: Target[]): string {
  const mark = (t: Target) => (t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED');
  const value = (x: number | null, unit: Target['unit']) => {
    if (x === null) return 'not measured';
    if (unit === 'share') return percent(x);
    if (unit === 'ms') return `${fixed(x / 1000)} s`;
    if (unit === 'cpu-ms') return `${formatCount(x)} ms`;
    return unit === 'x' ? `${fixed(x, 2)}x` : fixed(x);
  };
  return [
    'Targets:',
    ...targets.flatMap((t) => [
      `  ${mark(t)}  ${t.text}: ${value(t.measured, t.unit)} (target ${value(t.limit, t.unit)})`,
      ...(t.why ? [`          why: ${t.why}`] : []),
    ]),
  ].join('\n');
}

/** The observer beside ss at 1 Hz on the same load. */
function formatObserve(o: NonNullable<BenchResult['observe']>): string {
  return [
    `npm run observe (${o.where}${o.traced ? ', traced' : ', not traced'}): ${formatCount(o.connectionsOpened)} connections in ${o.loadSeconds.toFixed(1)} s ` +
      `(${formatCount(Math.round(o.connectionsOpened / o.loadSeconds))}/s asked ${formatCount(o.rateAsked)}/s; the server accepted ${formatCount(o.serverAccepted)}, the observer saw ${formatCount(o.observedConnections)}, the namespace's ActiveOpens ${formatCount(o.activeOpensInWindow)}), ` +
      `${formatCount(o.timeWaitAtEnd)} in TIME_WAIT at the end`,
    `  the observer: ${percent(o.observerCpuShare)} of one core; ss -tan at 1 Hz over ${o.ssPollSeconds} s: ${percent(o.ssPollCpuShare)}`,
  ].join('\n');
}

export function formatBench(result: BenchResult): string {
  return [
    result.sampler && formatSampler(result.sampler),
    result.tracer && formatTracer(result.tracer, result.harness),
    result.load && formatLoad(result.load),
    result.load && formatRate(result.load.rate),
    result.harness && formatHarness(result.harness),
    result.observe && formatObserve(result.observe),
    formatTargets(result.targets),
  ]
    .filter(Boolean)
    .join('\n\n');
}
