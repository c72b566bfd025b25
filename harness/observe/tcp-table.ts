// The socket table of a network namespace as /proc/<pid>/net/tcp and tcp6 give it (proc_net_tcp(7)):
// state and both endpoints of every TCP socket, readable without root and without entering the
// namespace (any process's /proc/<pid>/net shows the namespace that process lives in).
import os from 'node:os';
import { KERNEL_TCP_STATES } from './inet-diag.ts';
import { addressText } from './ip-address.ts';
import type { SocketState, SsSocket } from './ss-parse.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export interface TcpSocket {
  state: SocketState;
  local: Endpoint;
  remote: Endpoint;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** 32 bits as the kernel prints them (`%08X` of a word held in network order, read in host order), as 4 bytes in network order. */
function wordBytes(hex: string): number[] {
  const bytes = [0, 2, 4, 6].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  return LITTLE_ENDIAN ? bytes.reverse() : bytes;
}

/** `0100007F` → 127.0.0.1; 32 hex digits → IPv6 compressed (`::1`); an IPv4-mapped one as IPv4 (observe/ip-address.ts). */
export function addressOf(hex: string): string {
  if (hex.length === 8) return addressText(Uint8Array.from(wordBytes(hex)));
  return addressText(Uint8Array.from([0, 8, 16, 24].flatMap((at) => wordBytes(hex.slice(at, at + 8)))), 0, true);
}

// `   0: 0100007F:80FD 00000000:0000 0A ...` (net/ipv4/tcp_ipv4.c get_tcp4_sock; tcp6 with 32 hex digits):
// one match a line rather than a split of its 17 columns (the table is read every few seconds, and
// can hold tens of thousands of sockets).
const SOCKET_LINE = /^\s*\d+: ([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4}) ([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4}) ([0-9A-F]{2}) /;
const SLOT = /^\s*\d+:/;

/** Addresses already written out: a table holds few distinct ones (bounded). */
const addresses = new Map<string, string>();
function cachedAddress(hex: string): string {
  let address = addresses.get(hex);
  if (address === undefined) {
    if (addresses.size >= 10_000) addresses.clear();
    addresses.set(hex, (address = addressOf(hex)));
  }
  return address;
}

/** The sockets of /proc/net/tcp or tcp6 (their header line skipped). */
export function parseTcpTable(text: string): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split('\n')) {
    const match = SOCKET_LINE.exec(line);
    if (!match) {
      if (SLOT.test(line)) throw new Error(`/proc/net/tcp has a line this parser does not know: ${line.trim()}`);
      continue;
    }
    const [, localHex, localPort, remoteHex, remotePort, stateHex] = match as unknown as [string, string, string, string, string, string];
    const state = KERNEL_TCP_STATES[Number.parseInt(stateHex, 16)];
    if (state === undefined) throw new Error(`/proc/net/tcp has an unknown state ${stateHex} in: ${line.trim()}`);
    sockets.push({
      state,
      local: { address: cachedAddress(localHex), port: Number.parseInt(localPort, 16) },
      remote: { address: cachedAddress(remoteHex), port: Number.parseInt(remotePort, 16) },
    });
  }
  return sockets;
}

/** `127.0.0.1:8080`, `[::1]:8080`. */
export const endpointText = ({ address, port }: Endpoint) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** The sockets on or to `port` of tcp and tcp6 texts, as ss's are counted (ss-parse.ts). */
export function socketsOnPort(port: number, tables: string[]): SsSocket[] {
  return tables.flatMap((text) =>
    parseTcpTable(text).flatMap(({ state, local, remote }) => (local.port === port || remote.port === port ? [{ state, localPort: local.port, peerPort: remote.port }] : [])),
  );
}
