// The connections an observation saw open, one record each, whichever source saw them: the socket
// table sampled over time (./table-tracker.ts: without root, no process) or the tracer (./traced.ts).
// Outbound: this namespace connected (a destination); inbound: it accepted (a listening port).
import { endpointText, type Endpoint, type TcpSocket } from './tcp-table.ts';

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

/** The listening ports of a table: `address:port`, with the wildcard addresses kept as they are. */
export function listenersOf(sockets: TcpSocket[]): Set<string> {
  return new Set(sockets.filter((s) => s.state === 'listen').map((s) => endpointText(s.local)));
}

export const WILDCARDS = ['0.0.0.0', '::'];

/** Inbound when the local end is a listening port (on its address or on a wildcard one). */
export function directionOf(socket: Pick<TcpSocket, 'local'>, listeners: Set<string>): Direction {
  const { address, port } = socket.local;
  const onListener = [address, ...WILDCARDS].some((a) => listeners.has(endpointText({ address: a, port })));
  return onListener ? 'inbound' : 'outbound';
}

/** A connection's 4-tuple as one key. */
export const tupleKey = (s: Pick<TcpSocket, 'local' | 'remote'>) => `${endpointText(s.local)} ${endpointText(s.remote)}`;
