// The connections an observation saw open, one record each, whichever source saw them: the socket
// table sampled over time (./table-tracker.ts: without root, no process) or the tracer (./traced.ts).
// Outbound: this namespace connected (a destination); inbound: it accepted (a listening port).
import type { Endpoint, TcpSocket } from '../observe/tcp-table.ts';

export type Direction = 'outbound' | 'inbound';
/** Which end closed first: local (this namespace: its TIME_WAIT), remote, or a reset ended it. */
export type ClosedFirst = 'local' | 'remote' | 'reset';

export interface ProcessName {
  pid: number;
  /** The program: the base name of its command line's first word while it ran, else the task name in the trace. */
  name: string;
  /** Its command line, when it was read while the process ran. */
  commandLine: string | null;
}

export interface ConnectionRecord {
  direction: Direction;
  local: Endpoint;
  remote: Endpoint;
  process: ProcessName | null;
  closedFirst: ClosedFirst | null;
  lifetimeMs: number | null;
  /** A connect that failed (SYN_SENT to CLOSE): no connection was made. */
  failed: boolean;
}

/** What the observation keeps to: `--port` (either end), `--remote ADDR[:PORT]`. */
export interface Filters {
  port?: number;
  remote?: { address: string; port?: number };
}

export function passes(socket: Pick<TcpSocket, 'local' | 'remote'>, filters: Filters): boolean {
  if (filters.port !== undefined && socket.local.port !== filters.port && socket.remote.port !== filters.port) return false;
  const remote = filters.remote;
  return !remote || (socket.remote.address === remote.address && (remote.port === undefined || socket.remote.port === remote.port));
}

/** The listening sockets of a table: the addresses each listening port listens on (most sockets are told outbound by the port alone). */
export type Listeners = Map<number, Set<string>>;

const WILDCARDS = ['0.0.0.0', '::'];

/** Adds the listening sockets of `sockets` to `listeners` (new ones when not given). */
export function addListeners(sockets: TcpSocket[], listeners: Listeners = new Map()): Listeners {
  for (const s of sockets) {
    if (s.state !== 'listen') continue;
    const addresses = listeners.get(s.local.port);
    if (addresses) addresses.add(s.local.address);
    else listeners.set(s.local.port, new Set([s.local.address]));
  }
  return listeners;
}

/** Whether a local end is on a listening port, on its address or on a wildcard one. */
export function listensOn(listeners: Listeners, local: Endpoint): boolean {
  const addresses = listeners.get(local.port);
  return addresses !== undefined && (addresses.has(local.address) || WILDCARDS.some((address) => addresses.has(address)));
}

/** Inbound when the local end is a listening port. */
export const directionOf = (socket: Pick<TcpSocket, 'local'>, listeners: Listeners): Direction => (listensOn(listeners, socket.local) ? 'inbound' : 'outbound');

/** A connection's 4-tuple as one key (a space cannot be in an address: the four parts cannot run together). */
export const tupleKey = ({ local, remote }: Pick<TcpSocket, 'local' | 'remote'>) => `${local.address} ${local.port} ${remote.address} ${remote.port}`;
