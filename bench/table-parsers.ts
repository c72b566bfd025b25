// Parsers for the other ways of reading the socket table that the benchmark compares with the lab's
// sampler: `netstat -ant` and /proc/net/tcp(6). Each gives the same sockets as `ss` (state, ports).
import { parseTcpTable } from '../harness/observe/tcp-table.ts';
import type { SocketState, SsSocket } from '../harness/observe/ss-parse.ts';

/** The states as net-tools' netstat names them (netstat.c, tcp_state[]). */
const NETSTAT_STATES: Record<string, SocketState> = {
  ESTABLISHED: 'established',
  SYN_SENT: 'synSent',
  SYN_RECV: 'synRecv',
  FIN_WAIT1: 'finWait1',
  FIN_WAIT2: 'finWait2',
  TIME_WAIT: 'timeWait',
  CLOSE: 'closed',
  CLOSE_WAIT: 'closeWait',
  LAST_ACK: 'lastAck',
  LISTEN: 'listen',
  CLOSING: 'closing',
};

const portAfterColon = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** `tcp  0  0 127.0.0.1:33021  127.0.0.1:56912  CLOSE_WAIT` lines; headers and other protocols skipped. */
export function parseNetstat(text: string): SsSocket[] {
  const sockets: SsSocket[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('tcp')) continue;
    const [, , , local, peer, name] = line.trim().split(/\s+/);
    const state = NETSTAT_STATES[name ?? ''];
    if (state === undefined || local === undefined || peer === undefined) {
      throw new Error(`netstat printed a line this parser does not know: ${line.trim()}`);
    }
    sockets.push({ state, localPort: portAfterColon(local), peerPort: portAfterColon(peer) });
  }
  return sockets;
}

/** `0: 0100007F:80FD 0100007F:DE50 08 ...` lines of /proc/net/tcp or tcp6 (harness/observe/tcp-table.ts), as ports and state. */
export function parseProcNetTcp(text: string): SsSocket[] {
  return parseTcpTable(text).map((s) => ({ state: s.state, localPort: s.local.port, peerPort: s.remote.port }));
}
