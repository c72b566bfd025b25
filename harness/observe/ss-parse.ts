// Parses `ss -tan` output (with or without its header line, IPv4 and IPv6) and counts socket states
// on each side of one server port.

/** The TCP states as `ss` names them, and the names the result file uses. */
export const SS_STATES = {
  ESTAB: 'established',
  'SYN-SENT': 'synSent',
  'SYN-RECV': 'synRecv',
  'FIN-WAIT-1': 'finWait1',
  'FIN-WAIT-2': 'finWait2',
  'TIME-WAIT': 'timeWait',
  UNCONN: 'closed',
  'CLOSE-WAIT': 'closeWait',
  'LAST-ACK': 'lastAck',
  LISTEN: 'listen',
  CLOSING: 'closing',
} as const;
export type SocketState = (typeof SS_STATES)[keyof typeof SS_STATES];
export type StateCounts = Partial<Record<SocketState, number>>;

export interface SsSocket {
  state: SocketState;
  localPort: number;
  peerPort: number;
}

function portOf(address: string): number {
  // 127.0.0.1:8080, [::1]:8080, [::ffff:127.0.0.1]:8080, *:8080
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

export function parseSs(text: string): SsSocket[] {
  const sockets: SsSocket[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || fields[0] === 'State') continue;
    const [name, , , local, peer] = fields as [string, string, string, string, string];
    const state = SS_STATES[name as keyof typeof SS_STATES];
    if (state === undefined) throw new Error(`ss printed an unknown TCP state "${name}" in: ${line.trim()}`);
    sockets.push({ state, localPort: portOf(local), peerPort: portOf(peer) });
  }
  return sockets;
}

export interface SideCounts {
  /** Sockets whose peer is the server port: the client's ends of the connections. */
  clientSide: StateCounts;
  /** Sockets on the server port: the server's ends, and its listening socket. */
  serverSide: StateCounts;
}

export function countBySide(sockets: SsSocket[], serverPort: number): SideCounts {
  const counts: SideCounts = { clientSide: {}, serverSide: {} };
  for (const s of sockets) {
    const side = s.localPort === serverPort ? counts.serverSide : s.peerPort === serverPort ? counts.clientSide : null;
    if (side) side[s.state] = (side[s.state] ?? 0) + 1;
  }
  return counts;
}
