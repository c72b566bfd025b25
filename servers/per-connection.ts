// The requests each connection carried, counted by the server (exact, with or without root): as a
// histogram (connections by their requests, open ones included) for summary.connections, and by the
// client's address and port, so that the connection ledger's sample (harness/result/connections.ts)
// joins its traced connections to what each carried. A client port used again (tcp_tw_reuse) gets
// a new entry: a client's connections are kept in the order they were accepted.
import type net from 'node:net';

/** Connections kept by client address and port, at most: a server that runs for long keeps its first ones only. */
export const MAX_KEPT_BY_CLIENT = 100_000;

/** `10.0.0.1:40000`, an IPv4 client of a dual-stack listener without its `::ffff:` prefix, as the kernel's trace prints it. */
const clientOf = (socket: net.Socket) => (socket.remoteAddress && socket.remotePort ? `${socket.remoteAddress.replace(/^::ffff:/, '')}:${socket.remotePort}` : null);

export function perConnectionCounts(histogram: Record<string, number>) {
  const byClient = new Map<string, number[]>();
  let kept = 0;
  const carried = new WeakMap<net.Socket, { requests: number; list?: number[]; index?: number }>();
  /** Moves a connection from the bucket of `from` requests to that of `to` (undefined: none). */
  const move = (from: number | undefined, to: number) => {
    if (from !== undefined && --histogram[from]! === 0) delete histogram[from];
    histogram[to] = (histogram[to] ?? 0) + 1;
  };
  return {
    accepted(socket: net.Socket) {
      move(undefined, 0);
      const client = clientOf(socket);
      if (!client || kept >= MAX_KEPT_BY_CLIENT) return void carried.set(socket, { requests: 0 });
      kept++;
      const list = byClient.get(client) ?? [];
      byClient.set(client, list);
      carried.set(socket, { requests: 0, list, index: list.push(0) - 1 });
    },
    served(socket: net.Socket) {
      const entry = carried.get(socket) ?? { requests: 0 };
      move(entry.requests, ++entry.requests);
      carried.set(socket, entry);
      if (entry.list) entry.list[entry.index!] = entry.requests;
    },
    /** The requests of each connection from these clients (`address:port`), in the order they were accepted; unknown clients left out. */
    of(clients: readonly string[]): Record<string, number[]> {
      return Object.fromEntries(clients.flatMap((client) => (byClient.has(client) ? [[client, byClient.get(client)!]] : [])));
    },
  };
}
