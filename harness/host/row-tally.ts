// The connections of an observation tallied by row (direction, destination, program) as they come:
// each connection is added once, when it is settled (closed, its process named, its namespace
// known), so that the rows of a sample cost what arrived since the last one, not every connection
// seen (measured: rebuilt from every connection each second, the rows were a fifth of the
// observer's CPU at 1,000 new connections a second). Connections not settled yet (still open, or
// their process being looked up) are counted beside the tally at each sample, without a lifetime.
import type { ClosedFirst, ConnectionRecord, Direction, ProcessName } from './connections.ts';
import { endpointText, type Endpoint } from '../observe/tcp-table.ts';

export interface Place {
  /** Outbound: the remote address and port; inbound: the remote address, `to` the local port it connected to. */
  destination: string;
  remoteAddress: string;
  port: number;
}

/** Where a socket is towards: the outbound destination `addr:port`, or the inbound `addr → :port`. */
export function placeOf(direction: Direction, local: Endpoint, remote: Endpoint): Place {
  return direction === 'outbound'
    ? { destination: endpointText(remote), remoteAddress: remote.address, port: remote.port }
    : { destination: `${remote.address} to :${local.port}`, remoteAddress: remote.address, port: local.port };
}

/** PIDs kept per row: a loop of short processes has one each. */
export const PIDS_KEPT = 5;

/** What a row counts: its connections made and failed, who closed them first, their lifetimes, the processes. */
export interface RowCounts {
  direction: Direction;
  place: Place;
  made: number;
  failed: number;
  closedFirst: Record<ClosedFirst | 'unknown', number>;
  /** Lifetimes of the connections made that ended, sorted. */
  lifetimes: number[];
  /** The first PIDs seen (at most PIDS_KEPT) and how many there were. */
  pids: number[];
  processes: number;
  first: ProcessName | null;
}

/** The PIDs a row has seen (a copy's: the tally's and its own). */
type PidSet = Pick<Set<number>, 'has' | 'add'>;

interface Group extends RowCounts {
  allPids: PidSet;
  /** Lifetimes added since the last sorted read. */
  fresh: number[];
}

function count(group: RowCounts & { allPids: PidSet }, record: ConnectionRecord, lifetimes: number[] | null) {
  if (record.failed) group.failed += 1;
  else {
    group.made += 1;
    group.closedFirst[record.closedFirst ?? 'unknown'] += 1;
    if (lifetimes && record.lifetimeMs !== null) lifetimes.push(record.lifetimeMs);
  }
  if (record.process) {
    group.first ??= record.process;
    if (!group.allPids.has(record.process.pid)) {
      group.allPids.add(record.process.pid);
      if (group.pids.length < PIDS_KEPT) group.pids.push(record.process.pid);
      group.processes += 1;
    }
  }
}

/** Merges sorted `a` and `b` into a new sorted array. */
function merged(a: number[], b: number[]): number[] {
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** Where a record is towards, as the tally keys it: direction, remote address, port (remote outbound, local inbound). */
const portOf = (record: ConnectionRecord) => (record.direction === 'outbound' ? record.remote.port : record.local.port);

/** A map of maps, made on the way down. */
function inner<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

export class RowTally {
  /** The groups by direction, remote address, port and program: found without a key string a connection (measured: building them was most of the tally's CPU). */
  readonly #groups = new Map<Direction, Map<string, Map<number, Map<string, Group>>>>();
  readonly #all: Group[] = [];

  #groupOf(record: ConnectionRecord, make: boolean): Group | undefined {
    const byProgram = inner(inner(inner(this.#groups, record.direction, () => new Map()), record.remote.address, () => new Map()), portOf(record), () => new Map());
    const program = record.process?.name ?? '';
    let group = byProgram.get(program);
    if (!group && make) {
      group = { direction: record.direction, place: placeOf(record.direction, record.local, record.remote), made: 0, failed: 0, closedFirst: { local: 0, remote: 0, reset: 0, unknown: 0 }, lifetimes: [], pids: [], processes: 0, first: null, allPids: new Set(), fresh: [] };
      byProgram.set(program, group);
      this.#all.push(group);
    }
    return group;
  }

  /** Adds a settled connection: it is counted as it is now, once. */
  add(record: ConnectionRecord): void {
    const group = this.#groupOf(record, true)!;
    count(group, record, group.fresh);
  }

  /** Each row's counts: the tally, with `unsettled` connections counted beside it (their lifetimes left for when they settle). */
  counts(unsettled: ConnectionRecord[] = []): RowCounts[] {
    const fresh: (RowCounts & { allPids: PidSet })[] = [];
    for (const group of this.#all) {
      if (group.fresh.length > 0) {
        group.lifetimes = merged(group.lifetimes, group.fresh.sort((a, b) => a - b));
        group.fresh = [];
      }
    }
    // A row touched by an unsettled connection is a copy: the tally itself stays as settled.
    const copies = new Map<Group | string, RowCounts & { allPids: PidSet }>();
    for (const record of unsettled) {
      const group = this.#groupOf(record, false);
      const place = group?.place ?? placeOf(record.direction, record.local, record.remote);
      const key = group ?? `${record.direction} ${place.destination} ${record.process?.name ?? ''}`;
      let row = copies.get(key);
      if (!row) {
        const base = group ?? { direction: record.direction, place, made: 0, failed: 0, closedFirst: { local: 0, remote: 0, reset: 0, unknown: 0 }, lifetimes: [], pids: [], processes: 0, first: null, allPids: new Set<number>() };
        const [settled, own] = [base.allPids, new Set<number>()];
        row = { ...base, closedFirst: { ...base.closedFirst }, pids: [...base.pids], allPids: { has: (pid) => settled.has(pid) || own.has(pid), add: (pid) => own.add(pid) } };
        copies.set(key, row);
        if (!group) fresh.push(row);
      }
      count(row, record, null);
    }
    const rows = [...this.#all.map((group) => copies.get(group) ?? group), ...fresh];
    return rows.map(({ direction, place, made, failed, closedFirst, lifetimes, pids, processes, first }) => ({ direction, place, made, failed, closedFirst, lifetimes, pids, processes, first }));
  }
}

/** The tally of `records` at once (the socket table's connections, which change until the end). */
export function tallyOf(records: ConnectionRecord[]): RowTally {
  const tally = new RowTally();
  for (const record of records) tally.add(record);
  return tally;
}
