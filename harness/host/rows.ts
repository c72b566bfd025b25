// The observation's rows: the connections seen, grouped by direction, destination and program,
// with what the last socket table says of each destination (TIME_WAIT and sockets held now), the
// port budget (outbound) and a diagnosis in plain words.
import { medianSorted } from 'simple-statistics';
import { addListeners, directionOf, type Direction } from './connections.ts';
import { placeOf, type Place, type RowCounts } from './row-tally.ts';
import { portBudget, type PortBudget } from './port-budget.ts';
import { PATTERNS, patternOf, type PatternName } from './patterns.ts';
import type { TcpSocket } from '../observe/tcp-table.ts';
import type { PortSysctls } from './namespace.ts';
import { formatCount } from '../shared/numbers.ts';

export interface Row {
  direction: Direction;
  /** Outbound: the remote address and port; inbound: the remote address, `to` the local port it connected to. */
  destination: string;
  remoteAddress: string;
  port: number;
  process: { name: string; pids: number[]; processes: number; commandLine: string | null } | null;
  newConnections: number;
  perSecond: number;
  closedFirst: { local: number; remote: number; reset: number; unknown: number };
  failedConnects: number;
  medianLifetimeMs: number | null;
  timeWaitNow: number;
  establishedNow: number;
  budget: PortBudget | null;
  pattern: PatternName | null;
  diagnosis: string;
}

export interface RowInput {
  /** The connections seen, already kept to the filters, counted by row (./row-tally.ts). */
  counts: RowCounts[];
  /** The last socket table, filtered. */
  table: TcpSocket[];
  windowS: number;
  sysctls: PortSysctls | null;
}

interface HeldNow {
  timeWait: number;
  established: number;
  inUse: number;
}

/** What a table holds per destination, and where its TIME_WAIT is: worked out once per table (the rows are built at every sample, the table read less often). */
const summaries = new WeakMap<TcpSocket[], { now: Map<string, HeldNow>; timeWaitPlaces: { direction: Direction; place: Place }[] }>();
function summaryOf(table: TcpSocket[]) {
  const cached = summaries.get(table);
  if (cached) return cached;
  const listeners = addListeners(table);
  const now = new Map<string, HeldNow>();
  const timeWaitPlaces = new Map<string, { direction: Direction; place: Place }>();
  for (const socket of table) {
    if (socket.state === 'listen') continue;
    const direction = directionOf(socket, listeners);
    const place = placeOf(direction, socket.local, socket.remote);
    const counts = now.get(place.destination) ?? { timeWait: 0, established: 0, inUse: 0 };
    counts.inUse += 1;
    if (socket.state === 'timeWait') counts.timeWait += 1;
    if (socket.state === 'established') counts.established += 1;
    now.set(place.destination, counts);
    if (socket.state === 'timeWait') timeWaitPlaces.set(place.destination, { direction, place });
  }
  const summary = { now, timeWaitPlaces: [...timeWaitPlaces.values()] };
  summaries.set(table, summary);
  return summary;
}

export function buildRows({ counts, table, windowS, sysctls }: RowInput): Row[] {
  const { now, timeWaitPlaces } = summaryOf(table);
  // Destinations that hold TIME_WAIT but opened nothing in the window: a pile from before.
  const opened = new Set(counts.map((c) => c.place.destination));
  const idle = timeWaitPlaces.filter(({ place }) => !opened.has(place.destination));
  const all: RowCounts[] = [...counts, ...idle.map(({ direction, place }) => ({ direction, place, made: 0, failed: 0, closedFirst: { local: 0, remote: 0, reset: 0, unknown: 0 }, lifetimes: [], pids: [], processes: 0, first: null }))];
  const rows = all.map((c) => rowOf(c, now.get(c.place.destination), windowS, sysctls));
  return rows.sort((a, b) => b.perSecond - a.perSecond || b.timeWaitNow - a.timeWaitNow);
}

function rowOf(counts: RowCounts, now: HeldNow | undefined, windowS: number, sysctls: PortSysctls | null): Row {
  const { direction, place, made, failed, closedFirst, lifetimes, pids, processes, first } = counts;
  const perSecond = windowS > 0 ? made / windowS : 0;
  const budget = direction === 'outbound' && sysctls ? portBudget(sysctls, place.remoteAddress, now?.inUse ?? 0, closedFirst.local / windowS) : null;
  const row: Omit<Row, 'pattern' | 'diagnosis'> = {
    direction,
    ...place,
    process: first ? { name: first.name, pids, processes, commandLine: first.commandLine } : null,
    newConnections: made,
    perSecond,
    closedFirst: { ...closedFirst },
    failedConnects: failed,
    medianLifetimeMs: lifetimes.length > 0 ? medianSorted(lifetimes) : null,
    timeWaitNow: now?.timeWait ?? 0,
    establishedNow: now?.established ?? 0,
    budget,
  };
  const pattern = patternOf({ perSecond, closedFirst, runsOut: budget?.exhaustedInS != null, direction });
  return { ...row, pattern, diagnosis: diagnosisOf(row, pattern) };
}

const rate = (perSecond: number) => (perSecond >= 10 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1));
const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** `curl (PID 4121)`, `curl (40 processes: PIDs 4121, 4125, ...)`, or "a process the trace did not name". */
function who(row: Omit<Row, 'pattern' | 'diagnosis'>): string {
  const p = row.process;
  if (!p) return 'this namespace';
  if (p.processes <= 1) return `${p.name} (PID ${p.pids[0]})`;
  return `${p.name} (${p.processes} processes: PIDs ${p.pids.join(', ')}${p.processes > p.pids.length ? ', ...' : ''})`;
}

function closes(row: Omit<Row, 'pattern' | 'diagnosis'>): string {
  const { local, remote, reset } = row.closedFirst;
  const total = local + remote + reset;
  if (total === 0) return '';
  const after = row.medianLifetimeMs === null ? '' : ` after about ${row.medianLifetimeMs < 10 ? row.medianLifetimeMs.toFixed(1) : formatCount(Math.round(row.medianLifetimeMs))} ms`;
  const share = (n: number) => (n === total ? 'each' : `${formatCount(n)} of ${formatCount(total)}`);
  const us = row.direction === 'outbound' ? 'it' : 'this end';
  const them = row.direction === 'outbound' ? 'the server' : 'the client';
  const parts = [local > 0 && `${us} closes ${share(local)} first${after}`, remote > 0 && `${them} closes ${share(remote)} first`, reset > 0 && `${share(reset)} ended by a reset`];
  return parts.filter(Boolean).join(', ');
}

function budgetText(budget: PortBudget | null, row: Omit<Row, 'pattern' | 'diagnosis'>): string {
  if (!budget || row.closedFirst.local === 0) return '';
  if (budget.twReuse) return `; tcp_tw_reuse lets new connections take over its TIME_WAIT ports, so its ${formatCount(budget.ports)} ports hold`;
  const share = Math.round((budget.plateau / budget.ports) * 100);
  if (budget.exhaustedInS === null) return `; at this rate its ${formatCount(budget.ports)} ports hold ${formatCount(budget.plateau)} TIME_WAIT (${share}%)`;
  return `; at this rate it needs ${formatCount(budget.plateau)} of its ${formatCount(budget.ports)} ports: they run out in about ${formatCount(Math.round(budget.exhaustedInS))} s`;
}

/** The row in a sentence, with the pattern it matches and where its scenario and fix are. */
function diagnosisOf(row: Omit<Row, 'pattern' | 'diagnosis'>, pattern: PatternName | null): string {
  const outbound = row.direction === 'outbound';
  const toward = outbound ? `to ${row.destination}` : `from ${row.remoteAddress}`;
  const subject = outbound ? who(row) : `port ${row.port}`;
  if (row.newConnections === 0) return `${row.timeWaitNow > 0 ? `${plural(row.timeWaitNow, 'socket')} in TIME_WAIT ${toward}, ` : ''}no new connection ${toward} in the window`;
  const verb = outbound ? 'opens' : 'gets';
  const opened = row.perSecond >= 1 ? `${verb} ${rate(row.perSecond)} new connections a second ${toward}` : `${verb === 'opens' ? 'opened' : 'got'} ${plural(row.newConnections, 'new connection')} ${toward}`;
  const closing = closes(row);
  const found = pattern ? `: the pattern of ${PATTERNS[pattern].scenarios.join(' and ')} (${PATTERNS[pattern].what}; fix: ${PATTERNS[pattern].fix}; docs/scenarios.md)` : '';
  return `${subject} ${opened}${closing ? ` and ${closing}` : ''}${found}${budgetText(row.budget, row)}`;
}
