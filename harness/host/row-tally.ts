// The connections of an observation tallied by row (direction, destination, program) as they come:
// each connection is added once, when it is settled (closed, its process named, its namespace
// known), so that the rows of a sample cost what arrived since the last one, not every connection
// seen (measured: rebuilt from every connection each second, the rows were a fifth of the
// observer's CPU at 1,000 new connections a second). Connections not settled yet (still open, or
// their process being looked up) are counted beside the tally at each sample, without a lifetime.
import type { ClosedFirst, ConnectionRecord, Direction, ProcessName } from './connections.ts';
import { endpointText, type Endpoint } from './tcp-table.ts';

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

const keyOf = (record: ConnectionRecord, place: Place) => `${record.direction} ${place.destination} ${record.process?.name ?? ''}`;

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

export class RowTally {
  readonly #groups = new Map<string, Group>();
  readonly #places = new WeakMap<ConnectionRecord, Place>();

  #placeOf(record: ConnectionRecord): Place {
    let place = this.#places.get(record);
    if (!place) this.#places.set(record, (place = placeOf(record.direction, record.local, record.remote)));
    return place;
  }

  /** Adds a settled connection: it is counted as it is now, once. */
  add(record: ConnectionRecord): void {
    const place = this.#placeOf(record);
    const key = keyOf(record, place);
    let group = this.#groups.get(key);
    if (!group) {
      group = { direction: record.direction, place, made: 0, failed: 0, closedFirst: { local: 0, remote: 0, reset: 0, unknown: 0 }, lifetimes: [], pids: [], processes: 0, first: null, allPids: new Set(), fresh: [] };
      this.#groups.set(key, group);
    }
    count(group, record, group.fresh);
  }

  /** Each row's counts: the tally, with `unsettled` connections counted beside it (their lifetimes left for when they settle). */
  counts(unsettled: ConnectionRecord[] = []): RowCounts[] {
    const rows = new Map<string, RowCounts & { allPids: PidSet }>();
    for (const [key, group] of this.#groups) {
      if (group.fresh.length > 0) {
        group.lifetimes = merged(group.lifetimes, group.fresh.sort((a, b) => a - b));
        group.fresh = [];
      }
      rows.set(key, group);
    }
    for (const record of unsettled) {
      const place = this.#placeOf(record);
      const key = keyOf(record, place);
      let row = rows.get(key);
      // A row touched by an unsettled connection is a copy: the tally itself stays as settled.
      if (!row || row === this.#groups.get(key)) {
        const base = row ?? { direction: record.direction, place, made: 0, failed: 0, closedFirst: { local: 0, remote: 0, reset: 0, unknown: 0 }, lifetimes: [], pids: [], processes: 0, first: null, allPids: new Set<number>() };
        const [settled, own] = [base.allPids, new Set<number>()];
        row = { ...base, closedFirst: { ...base.closedFirst }, pids: [...base.pids], allPids: { has: (pid) => settled.has(pid) || own.has(pid), add: (pid) => own.add(pid) } };
        rows.set(key, row);
      }
      count(row, record, null);
    }
    return [...rows.values()].map(({ direction, place, made, failed, closedFirst, lifetimes, pids, processes, first }) => ({ direction, place, made, failed, closedFirst, lifetimes, pids, processes, first }));
  }
}

/** The tally of `records` at once (the socket table's connections, which change until the end). */
export function tallyOf(records: ConnectionRecord[]): RowTally {
  const tally = new RowTally();
  for (const record of records) tally.add(record);
  return tally;
}
