// One line of the tracepoint `sock:inet_sock_set_state` as tracefs prints it with the instance's
// `options/fields` set to 1 (every field, `skaddr` included, each as `name=0xHEX (DECIMAL)`), made
// into a typed state change; or one of `tcp:tcp_receive_reset`, a socket's reset; anything else is
// refused here, where the kernel's text enters the lab. An event's layout is its `format` file
// (/sys/kernel/tracing/events/sock/inet_sock_set_state/format, events/tcp/tcp_receive_reset/format).
import os from 'node:os';

/** TCP states by number (include/net/tcp_states.h). */
export const TCP_STATES = [
  null,
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;
export type TcpState = NonNullable<(typeof TCP_STATES)[number]>;

export interface StateChange {
  /** The task that ran when the state changed: in softirq context, whoever was running. */
  task: string;
  /** Its thread id (the PID column of the trace). */
  pid: number;
  /** When, in ms of the instance's clock (CLOCK_MONOTONIC: tracer.ts sets `trace_clock` to mono). */
  atMs: number;
  /** The socket's kernel address, as hex: the one key that links CLOSE -> SYN_SENT (sport still 0) to the lines after it. */
  skaddr: string;
  oldstate: TcpState;
  newstate: TcpState;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
}

/**
 * A socket reset, which makes the socket's CLOSE not a hand-over to TIME_WAIT though it may come from
 * FIN_WAIT2 like one. Two events tell it: `tcp:tcp_receive_reset`, which tcp_reset()
 * (net/ipv4/tcp_input.c) fires before it closes the socket, when a RST came in or the socket aborts
 * on data that came after its FIN (TcpExt TCPAbortOnData); and `tcp:tcp_send_reset`, which a socket
 * closed with unread data fires just after its CLOSE (tcp_close(): TcpExt TCPAbortOnClose; a TLS
 * client's late close_notify does it).
 */
export interface SocketReset {
  skaddr: string;
  atMs: number;
}

/** What a line of the trace is: a state change, a reset, the kernel's note of events it lost, or text the lab does not know. */
export type TraceLine =
  | { kind: 'change'; change: StateChange }
  | { kind: 'reset'; reset: SocketReset }
  | { kind: 'lost'; count: number }
  | { kind: 'unknown'; line: string };

// `<task>-<pid> [<cpu>] <flags> <seconds>: <event>: <fields>`; a task's name may hold spaces and
// dashes, so the PID is the last `-<digits>` before the CPU column.
const LINE = /^\s*(.+)-(\d+)\s+\[\d+\]\s+\S+\s+(\d+\.\d+): (inet_sock_set_state|tcp_receive_reset|tcp_send_reset): (.*)$/;
// The ring buffer's own note when the reader fell behind (kernel/trace/trace.c, print_trace_line).
const LOST = /^CPU:\d+ \[LOST (\d+) EVENTS\]$/;
const FIELD = /(\w+)=(0x[0-9a-f]+) \((-?\d+)\)/g;
const AF_INET = 2;
const IPPROTO_TCP = 6;

/** The fields in the order of the event's `format` file on this kernel: read with one match (the general one is the fallback). */
const ORDER = ['skaddr', 'oldstate', 'newstate', 'sport', 'dport', 'family', 'protocol', 'saddr', 'daddr'];
const FIELDS_IN_ORDER = new RegExp(
  `^${ORDER.map((name) => `${name}=(0x[0-9a-f]+) \\((-?\\d+)\\)`).join(' ')}(?: |$)`,
);
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** An IPv4 address kept as 4 bytes and printed by the fields option as one integer in this machine's byte order. */
function ipv4(value: number): string {
  const v = value >>> 0;
  const bytes = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  return (LITTLE_ENDIAN ? bytes : bytes.reverse()).join('.');
}

/** The fields by name: hex text and decimal value. */
function fieldsOf(rest: string): { hex: Map<string, string>; decimal: Map<string, number> } {
  const hex = new Map<string, string>();
  const decimal = new Map<string, number>();
  const ordered = FIELDS_IN_ORDER.exec(rest);
  if (ordered) {
    ORDER.forEach((name, i) => {
      hex.set(name, ordered[1 + 2 * i]!);
      decimal.set(name, Number(ordered[2 + 2 * i]));
    });
    return { hex, decimal };
  }
  for (const [, name, h, d] of rest.matchAll(FIELD)) {
    hex.set(name!, h!);
    decimal.set(name!, Number(d));
  }
  return { hex, decimal };
}

function state(value: number | undefined): TcpState | null {
  return value === undefined ? null : (TCP_STATES[value] ?? null);
}

/** Reads one line of the trace. Lines of other families or protocols, or fields missing, are 'unknown'. */
export function parseTraceLine(line: string): TraceLine {
  const lost = line.includes('[LOST ') ? LOST.exec(line.trim()) : null;
  if (lost) return { kind: 'lost', count: Number(lost[1]) };
  const match = LINE.exec(line);
  if (!match) return { kind: 'unknown', line };
  const [, task, pid, seconds, event, rest] = match as unknown as [string, string, string, string, string, string];
  const { hex, decimal } = fieldsOf(rest);
  if (event !== 'inet_sock_set_state') {
    // tcp_send_reset has no family field (its addresses are sockaddrs); its filter keeps those with a socket.
    const skaddr = hex.get('skaddr');
    const ipv4 = event === 'tcp_send_reset' || decimal.get('family') === AF_INET;
    return skaddr && ipv4 ? { kind: 'reset', reset: { skaddr, atMs: Number(seconds) * 1000 } } : { kind: 'unknown', line };
  }
  const oldstate = state(decimal.get('oldstate'));
  const newstate = state(decimal.get('newstate'));
  const numbers = ['sport', 'dport', 'saddr', 'daddr'].map((name) => decimal.get(name));
  const skaddr = hex.get('skaddr');
  if (decimal.get('family') !== AF_INET || decimal.get('protocol') !== IPPROTO_TCP) return { kind: 'unknown', line };
  if (!oldstate || !newstate || !skaddr || numbers.some((n) => n === undefined)) return { kind: 'unknown', line };
  const [sport, dport, saddr, daddr] = numbers as [number, number, number, number];
  return {
    kind: 'change',
    change: {
      task,
      pid: Number(pid),
      atMs: Number(seconds) * 1000,
      skaddr,
      oldstate,
      newstate,
      saddr: ipv4(saddr),
      sport,
      daddr: ipv4(daddr),
      dport,
    },
  };
}
