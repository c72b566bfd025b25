// The connection ledger: the tracer's state changes (./tracer.ts) made into connections, each with
// both of its ends where both are on this kernel. An end is one socket's life, from CLOSE ->
// SYN_SENT (a client's connect(), in the connecting task) or LISTEN -> SYN_RECV (a server's new
// connection) to its CLOSE; its records are linked by the socket's address, skaddr, since the first
// has no source port yet (and skaddr is reused once the socket is gone). The two ends of one
// connection share the 4-tuple; a 4-tuple used again later (a port reused) pairs in time order.
// Facts (net/ipv4/tcp_minisocks.c, bcc tcplife/tcpstates): the side that closes first goes
// FIN_WAIT1 -> FIN_WAIT2 or CLOSING -> CLOSE, where tcp_time_wait() hands it to a timewait socket
// (TIME_WAIT itself never shows); the side that closes second CLOSE_WAIT -> LAST_ACK -> CLOSE; a
// reset ESTABLISHED -> CLOSE; a failed connect SYN_SENT -> CLOSE. A closer that is reset after its
// FIN (data came after it: a race with the peer's request, or a TLS close_notify) also goes
// FIN_WAIT2 -> CLOSE, with no TIME_WAIT: the reset (state-change.ts's SocketReset) tells them apart.
import type { SocketReset, StateChange, TcpState } from './state-change.ts';
import { UNKNOWN_TASK } from './task-names.ts';

export type Side = 'client' | 'server';

export interface Transition {
  side: Side;
  from: TcpState;
  to: TcpState;
  /** ms since the trial's tracing started. */
  atMs: number;
}

export interface Connection {
  /** `clientAddress:port>serverAddress:port`. */
  tuple: string;
  /** Which ends were traced: both when client and server are on this kernel. */
  ends: Side[];
  /** The task that called connect() and its thread id; null when the client's end was not traced. */
  process: { task: string; pid: number } | null;
  openedMs: number;
  /** SYN to ESTABLISHED on the client's end; null when it never connected or was not traced. */
  connectMs: number | null;
  /** The last CLOSE of its ends; null while still open when tracing stopped. */
  closedMs: number | null;
  failedConnect: boolean;
  closedFirstBy: Side | null;
  how: 'fin' | 'reset' | null;
  /** The end handed to a timewait socket (FIN_WAIT2 or CLOSING -> CLOSE, not reset), and when; the first, where both were. */
  timeWait: { side: Side; atMs: number } | null;
  /** Every end handed to one: both in a simultaneous close (FIN_WAIT1 -> CLOSING on each side). */
  timeWaitSides: Side[];
  transitions: Transition[];
}

interface End {
  side: Side;
  skaddr: string;
  tuple: string | null;
  first: StateChange;
  changes: StateChange[];
  /** It was reset: a RST came, it aborted on data after its FIN, or it was closed with data unread. */
  reset: boolean;
}

const tupleOf = (c: StateChange, side: Side) =>
  side === 'client' ? `${c.saddr}:${c.sport}>${c.daddr}:${c.dport}` : `${c.daddr}:${c.dport}>${c.saddr}:${c.sport}`;

/** How an end left ESTABLISHED: it closed (FIN), it reset or was reset (CLOSE), or the peer closed (CLOSE_WAIT). */
function leaving(end: End): StateChange | undefined {
  return end.changes.find((c) => c.oldstate === 'ESTABLISHED');
}

function closer(ends: End[]): { side: Side; how: 'fin' | 'reset' } | null {
  const moves = ends.flatMap((end) => {
    const left = leaving(end);
    return left && left.newstate !== 'CLOSE_WAIT' ? [{ side: end.side, at: left.atMs, how: left.newstate === 'CLOSE' ? ('reset' as const) : ('fin' as const) }] : [];
  });
  const first = moves.toSorted((a, b) => a.at - b.at)[0];
  if (first) return { side: first.side, how: first.how };
  // One end traced that the other closed: it went CLOSE_WAIT on the peer's FIN.
  const passive = ends.find((end) => leaving(end)?.newstate === 'CLOSE_WAIT');
  return passive ? { side: passive.side === 'client' ? 'server' : 'client', how: 'fin' } : null;
}

/** The transitions of a connection's ends in time order: each end's changes are (buildLedger sorts them), so they are merged, not sorted again. */
function transitionsOf(ends: End[], originMs: number): Transition[] {
  const [a, b] = ends as [End, End | undefined];
  const out: Transition[] = [];
  const of = (end: End, c: StateChange) => out.push({ side: end.side, from: c.oldstate, to: c.newstate, atMs: c.atMs - originMs });
  let i = 0;
  let j = 0;
  const other = b?.changes ?? [];
  while (i < a.changes.length || j < other.length) {
    if (j >= other.length || (i < a.changes.length && a.changes[i]!.atMs <= other[j]!.atMs)) of(a, a.changes[i++]!);
    else of(b!, other[j++]!);
  }
  return out;
}

function connectionOf(ends: End[], originMs: number): Connection {
  const client = ends.find((e) => e.side === 'client');
  const established = client?.changes.find((c) => c.newstate === 'ESTABLISHED');
  const closes = ends.map((e) => e.changes.find((c) => c.newstate === 'CLOSE'));
  const tw = ends.flatMap((e) =>
    e.reset ? [] : e.changes.filter((c) => c.newstate === 'CLOSE' && (c.oldstate === 'FIN_WAIT2' || c.oldstate === 'CLOSING')).map((c) => ({ side: e.side, atMs: c.atMs - originMs })),
  );
  const first = closer(ends);
  const connecting = client?.first.oldstate === 'CLOSE' && client.first.newstate === 'SYN_SENT' ? client.first : null;
  return {
    tuple: ends.find((e) => e.tuple)?.tuple ?? '?',
    ends: ends.map((e) => e.side),
    process: connecting ? { task: connecting.task ?? UNKNOWN_TASK, pid: connecting.pid } : null,
    openedMs: Math.min(...ends.map((e) => e.first.atMs)) - originMs,
    connectMs: established && connecting ? established.atMs - connecting.atMs : null,
    closedMs: closes.every((c) => c !== undefined) ? Math.max(...closes.map((c) => c!.atMs)) - originMs : null,
    failedConnect: client?.changes.some((c) => c.oldstate === 'SYN_SENT' && c.newstate === 'CLOSE') ?? false,
    closedFirstBy: first?.side ?? null,
    how: first?.how ?? null,
    timeWait: tw.toSorted((a, b) => a.atMs - b.atMs)[0] ?? null,
    timeWaitSides: tw.map((t) => t.side),
    transitions: transitionsOf(ends, originMs),
  };
}

/** The server a trial's connections go to: its port, and its IP address as the tracer writes it, where it is one (a --target may be a name). */
export interface ServerEnd {
  port: number;
  address: string | null;
}

/** Which end of a connection to `server` a line is from; null for the listener and for lines of other connections. */
function sideOf(c: StateChange, server: ServerEnd): Side | null {
  // The kernel filter is on the port alone: a connection of another namespace whose client port is
  // the same number (the lab's namespaces share their addresses) is told apart by the server's address.
  if (c.sport === server.port && c.dport !== 0 && (server.address === null || c.saddr === server.address)) return 'server';
  if (c.dport === server.port && (server.address === null || c.daddr === server.address)) return 'client';
  return null; // the listener (CLOSE -> LISTEN, LISTEN -> CLOSE), or another connection
}

/**
 * How long after its CLOSE a reset is still the socket's: tcp_close() sends it in the same call, just
 * after (microseconds). Later, the address may be another socket's: tcp_send_reset is traced for
 * every socket of the host (it has no ports to filter on), and a socket of another program that
 * the allocator gave the same address must not mark this one (measured: it did, under other load).
 */
const RESET_AFTER_CLOSE_MS = 1;

/** Marks the ends that were reset: each reset belongs to the last end of its socket (skaddr) opened before it, while it lived. */
function markResets(ends: End[], resets: SocketReset[]): void {
  const bySocket = new Map<string, End[]>();
  for (const end of ends) {
    const ofSocket = bySocket.get(end.skaddr);
    if (ofSocket) ofSocket.push(end);
    else bySocket.set(end.skaddr, [end]);
  }
  for (const reset of resets) {
    const owner = bySocket.get(reset.skaddr)?.findLast((end) => end.first.atMs <= reset.atMs);
    const close = owner?.changes.find((c) => c.newstate === 'CLOSE');
    if (owner && (!close || reset.atMs <= close.atMs + RESET_AFTER_CLOSE_MS)) owner.reset = true;
  }
}

/**
 * The connections to `server` in `changes` (all of one trial's, in any order), oldest first.
 * `originMs`: the trial's zero on the trace's clock. Lines of the listening socket are left out;
 * an end whose start was not traced (opened before tracing began) starts at its first line.
 * `resets`: the trial's socket resets, which tell a reset closer from one in TIME_WAIT.
 */
export function buildLedger(changes: StateChange[], server: ServerEnd, originMs: number, resets: SocketReset[] = []): Connection[] {
  const open = new Map<string, End>();
  const ends: End[] = [];
  for (const c of changes.toSorted((a, b) => a.atMs - b.atMs)) {
    const side = sideOf(c, server);
    if (!side) continue;
    let end = open.get(c.skaddr);
    if (!end || (c.oldstate === 'CLOSE' && c.newstate === 'SYN_SENT')) {
      end = { side, skaddr: c.skaddr, tuple: null, first: c, changes: [], reset: false };
      open.set(c.skaddr, end);
      ends.push(end);
    }
    end.changes.push(c);
    if (c.sport !== 0 && end.tuple === null) end.tuple = tupleOf(c, side);
    if (c.newstate === 'CLOSE') open.delete(c.skaddr);
  }
  markResets(ends, resets);
  // Pair the ends of each 4-tuple in the order they opened: one 4-tuple is one connection at a time.
  const byTuple = new Map<string, { client: End[]; server: End[] }>();
  for (const end of ends) {
    const key = end.tuple ?? `?${end.skaddr}`;
    const group = byTuple.get(key) ?? { client: [], server: [] };
    group[end.side].push(end);
    byTuple.set(key, group);
  }
  const connections = [...byTuple.values()].flatMap(({ client, server }) =>
    Array.from({ length: Math.max(client.length, server.length) }, (_, i) => connectionOf([client[i], server[i]].filter((e) => e !== undefined), originMs)),
  );
  return connections.sort((a, b) => a.openedMs - b.openedMs);
}
