// The socket table of a network namespace as /proc/<pid>/net/tcp and tcp6 give it (proc_net_tcp(7)):
// state and both endpoints of every TCP socket, readable without root and without entering the
// namespace (any process's /proc/<pid>/net shows the namespace that process lives in).
import os from 'node:os';
import { KERNEL_TCP_STATES } from '../observe/inet-diag.ts';
import { addressText } from '../observe/ip-address.ts';
import type { SocketState } from '../observe/ss-parse.ts';

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

function endpointOf(text: string, line: string): Endpoint {
  const [hex, port] = text.split(':');
  if (!hex || !/^([0-9A-F]{8}|[0-9A-F]{32})$/.test(hex) || !port || !/^[0-9A-F]{4}$/.test(port)) {
    throw new Error(`/proc/net/tcp has an endpoint this parser does not know ("${text}") in: ${line.trim()}`);
  }
  return { address: addressOf(hex), port: Number.parseInt(port, 16) };
}

/** The sockets of /proc/net/tcp or tcp6 (their header line skipped). */
export function parseTcpTable(text: string): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split('\n')) {
    const [slot, local, remote, stateHex] = line.trim().split(/\s+/);
    if (!slot?.endsWith(':') || local === undefined || remote === undefined || stateHex === undefined) continue;
    const state = KERNEL_TCP_STATES[Number.parseInt(stateHex, 16)];
    if (state === undefined) throw new Error(`/proc/net/tcp has an unknown state ${stateHex} in: ${line.trim()}`);
    sockets.push({ state, local: endpointOf(local, line), remote: endpointOf(remote, line) });
  }
  return sockets;
}

/** `127.0.0.1:8080`, `[::1]:8080`. */
export const endpointText = ({ address, port }: Endpoint) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
