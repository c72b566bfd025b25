// One observation of a network namespace, reading only: every second its socket table (tcp and tcp6
// of /proc/<pid>/net), its sockstat and counters; the connections from the tracer where it runs, else
// from the table over time; then the rows. It ends at its duration, on `signal` (Ctrl-C), or when
// the observed process or namespace goes away, and returns what it read until then.
import { readFile } from 'node:fs/promises';
import { counterDelta, parseCounterTables, parseSockstat, pickCounters, type KernelCounters } from '../shapes/proc-net.ts';
import { passes, type Filters } from './connections.ts';
import { openNamespace, type ObservedNamespace, type Where } from './namespace.ts';
import { buildRows, type Row } from './rows.ts';
import { tallyOf, type RowCounts } from './row-tally.ts';
import { tableTracker, type TableTracker } from './table-tracker.ts';
import { parseTcpTable, type Endpoint, type TcpSocket } from '../observe/tcp-table.ts';
import { CHURN_PER_S } from './patterns.ts';
import type { Observation, ObservationSample } from './observation-schema.ts';
import { formatCount } from '../shared/numbers.ts';

/** What the socket table says is the observed namespace's: a 4-tuple seen there, a listening port of it. */
export interface NamespaceMembers {
  tuple(key: string): boolean;
  listener(local: Endpoint): boolean;
}

/** Where the connections come from when the tracer runs: it is started before the first sample, stopped after the last (stop may be called twice). */
export interface ConnectionSource {
  /** The connections seen so far that belong to the namespace, counted by row (./row-tally.ts). */
  counts(members: NamespaceMembers): RowCounts[];
  stop(): Promise<void>;
}

export interface ObserveSettings {
  where: Where;
  durationS: number;
  filters: Filters;
  intervalMs: number;
  signal: AbortSignal;
  /** Starts the tracer for the namespace, or says why it cannot. */
  traceWith?: (namespace: ObservedNamespace, filters: Filters) => Promise<ConnectionSource | string>;
  /** After each sample: the rows as they stand (the live view). */
  onSample?: (rows: Row[], sample: ObservationSample, windowS: number) => void;
  /** Once the namespace is open and the first sample read. */
  onStart?: (namespace: ObservedNamespace, traced: boolean) => void;
}

const DESTINATIONS_PER_SAMPLE = 10;
/**
 * With the tracer, the socket table is read every this many samples (and at the end): the tracer
 * gives the connections, the table only what is held now, and reading it costs as much as `ss`
 * (measured: 8,000 sockets, about 26 ms of CPU a read, 10 of them the kernel's; at 1,000 new
 * connections a second a read every 5 s was a fifth of the observer's CPU). Without it, at every sample.
 */
const TABLE_EVERY_TRACED = 10;

async function readTable(procNet: string): Promise<TcpSocket[]> {
  const [v4, v6] = await Promise.all([readFile(`${procNet}/tcp`, 'latin1'), readFile(`${procNet}/tcp6`, 'latin1').catch(() => '')]);
  return [...parseTcpTable(v4), ...parseTcpTable(v6)];
}

async function readCounters(procNet: string): Promise<{ counters: KernelCounters; timeWait: number }> {
  const [snmp, netstat, sockstat] = await Promise.all(['snmp', 'netstat', 'sockstat'].map((file) => readFile(`${procNet}/${file}`, 'latin1')));
  return { counters: pickCounters({ ...parseCounterTables(snmp!), ...parseCounterTables(netstat!) }), timeWait: parseSockstat(sockstat!).tw };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function observe(settings: ObserveSettings): Promise<Observation> {
  const namespace = await openNamespace(settings.where);
  const { filters, signal } = settings;
  const startedAt = new Date();
  const t0 = performance.now();
  const source = settings.traceWith ? await settings.traceWith(namespace, filters) : 'the tracer is not available';
  const traced = typeof source !== 'string';
  try {
    const tracker: TableTracker = tableTracker(!traced);
    const first = await readCounters(namespace.procNet);
    let table = (await readTable(namespace.procNet)).filter((s) => passes(s, filters));
    tracker.add(table);
    settings.onStart?.(namespace, traced);
    const samples: ObservationSample[] = [];
    let last = first;
    let endedBy: Observation['endedBy'] = 'duration';
    let endedBecause: string | null = null;
    const counts = () => (traced ? source.counts(tracker) : tallyOf(tracker.records()).counts());
    const windowS = () => (performance.now() - t0) / 1000;
    const untilEnd = () => settings.durationS * 1000 - (performance.now() - t0);
    // The end is decided once, right after the wait: the sample that decides it is the last and
    // reads the table, however long its reads take (a timer may also fire a little early, and the
    // window then takes one more short sample).
    for (let lastOne = false; !lastOne; ) {
      await sleep(Math.max(0, Math.min(settings.intervalMs, untilEnd())), signal);
      if (signal.aborted) endedBy = 'interrupted';
      lastOne = signal.aborted || untilEnd() <= 0;
      const gone = await namespace.ended();
      const withTable = !traced || lastOne || (samples.length + 1) % TABLE_EVERY_TRACED === 0;
      const read = gone ? null : await Promise.all([readCounters(namespace.procNet), withTable ? readTable(namespace.procNet) : null]).catch(() => null);
      if (read === null) {
        endedBy = 'gone';
        endedBecause = gone ?? (await namespace.ended()) ?? `${namespace.description} could not be read any more`;
        break;
      }
      last = read[0];
      if (read[1]) {
        table = read[1].filter((s) => passes(s, filters));
        tracker.add(table);
      }
      const rows = buildRows({ counts: counts(), table, windowS: windowS(), sysctls: namespace.sysctls });
      const sample: ObservationSample = {
        tMs: Math.round(performance.now() - t0),
        timeWait: last.timeWait,
        activeOpens: last.counters.activeOpens - first.counters.activeOpens,
        passiveOpens: last.counters.passiveOpens - first.counters.passiveOpens,
        destinations: rows.slice(0, DESTINATIONS_PER_SAMPLE).map((r) => ({ destination: r.destination, timeWait: r.timeWaitNow, opened: r.newConnections })),
      };
      samples.push(sample);
      settings.onSample?.(rows, sample, windowS());
    }
    const window = windowS();
    if (traced) await source.stop();
    const rows = buildRows({ counts: counts(), table, windowS: window, sysctls: namespace.sysctls });
    const { where } = namespace;
    const notTracedBecause = traced ? null : source;
    return {
      kind: 'observation',
      schemaVersion: 1,
      startedAt: startedAt.toISOString(),
      windowS: Math.round(window * 1000) / 1000,
      endedBy,
      endedBecause,
      namespace: {
        kind: where.kind,
        name: where.kind === 'netns' ? where.name : null,
        pid: where.kind === 'pid' ? where.pid : null,
        description: namespace.description,
      },
      filters: { port: filters.port ?? null, remote: filters.remote ? `${filters.remote.address}${filters.remote.port ? `:${filters.remote.port}` : ''}` : null },
      traced,
      notTracedBecause,
      unread: [...namespace.unread, ...(traced ? [] : [`which process opened each connection, its lifetime and resets (${notTracedBecause}): rates come from the socket table over time`])],
      sysctls: namespace.sysctls && {
        portRangeLow: namespace.sysctls.portRange.low,
        portRangeHigh: namespace.sysctls.portRange.high,
        twReuse: namespace.sysctls.twReuse,
        maxTwBuckets: namespace.sysctls.maxTwBuckets,
      },
      counters: counterDelta(first.counters, last.counters),
      timeWaitNow: last.timeWait,
      churns: rows.some((r) => r.perSecond >= CHURN_PER_S),
      summary: summaryOf(rows, namespace.description, window, last.timeWait),
      rows,
      samples,
    };
  } finally {
    if (traced) await source.stop();
  }
}

/** The answer in one line: how many destinations churn (their diagnoses are the rows'), or that nothing does. */
export function summaryOf(rows: Row[], where: string, windowS: number, timeWait: number): string {
  const churning = rows.filter((r) => r.perSecond >= CHURN_PER_S);
  if (churning.length === 0) {
    return `nothing churns in ${where}: no destination got ${CHURN_PER_S} new connection a second or more over ${windowS.toFixed(1)} s (${formatCount(timeWait)} sockets in TIME_WAIT)`;
  }
  const busiest = churning[0]!;
  return `${formatCount(churning.length)} of ${formatCount(rows.length)} destinations churn in ${where} over ${windowS.toFixed(1)} s; the busiest: ${busiest.direction === 'outbound' ? 'to' : 'from'} ${busiest.destination}, ${busiest.perSecond.toFixed(1)} new connections a second`;
}
