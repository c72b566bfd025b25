// Connections read from the socket table sampled over time, for when there is no tracer (no root):
// a 4-tuple that was not in the first sample is a connection opened during the observation. Every
// one that this end closed first is seen, since it stays in TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN,
// include/net/tcp.h), far longer than a sample apart; one that the other end closed first or that was
// reset is seen only if it lived across a sample. No process is known.
import { addListeners, directionOf, listensOn, tupleKey, type ClosedFirst, type ConnectionRecord } from './connections.ts';
import type { Endpoint, TcpSocket } from '../observe/tcp-table.ts';
import type { SocketState } from '../observe/ss-parse.ts';

/** The states that say which end closed first: this end's FIN went first, or the other's. */
const CLOSED_FIRST: Partial<Record<SocketState, ClosedFirst>> = {
  finWait1: 'local',
  finWait2: 'local',
  closing: 'local',
  timeWait: 'local',
  closeWait: 'remote',
  lastAck: 'remote',
};

export interface TableTracker {
  /** Takes one sample of the (filtered) table; the first one is what existed before. */
  add(sockets: TcpSocket[]): void;
  /** The connections opened since the first sample. */
  records(): ConnectionRecord[];
  /** Whether a 4-tuple was in some sample (the tracer's connections are matched to the namespace by it). */
  tuple(key: string): boolean;
  /** Whether a local end is on a port that listened in some sample. */
  listener(local: Endpoint): boolean;
}

/** `withRecords` false: only what the table says is the namespace's (the tracer gives the connections, their records are not kept). */
export function tableTracker(withRecords = true): TableTracker {
  let before: Set<string> | null = null;
  const everSeen = new Set<string>();
  const listeners = addListeners([]);
  const seen = new Map<string, ConnectionRecord>();
  return {
    add(sockets) {
      addListeners(sockets, listeners);
      const first = before === null;
      before ??= new Set();
      for (const socket of sockets) {
        if (socket.state === 'listen') continue;
        const key = tupleKey(socket);
        everSeen.add(key);
        if (first) before.add(key);
        if (first || !withRecords || before.has(key)) continue;
        const record = seen.get(key) ?? {
          direction: directionOf(socket, listeners),
          local: socket.local,
          remote: socket.remote,
          process: null,
          closedFirst: null,
          lifetimeMs: null,
          failed: false,
        };
        record.closedFirst ??= CLOSED_FIRST[socket.state] ?? null;
        seen.set(key, record);
      }
    },
    records: () => [...seen.values()],
    tuple: (key) => everSeen.has(key),
    listener: (local) => listensOn(listeners, local),
  };
}
