// One line of the tracepoint `sock:inet_sock_set_state` as tracefs prints it with the instance's
// `options/fields` set to 1 (every field, `skaddr` included, each as `name=0xHEX (DECIMAL)`), made
// into a typed state change; anything else is refused here, where the kernel's text enters the lab.
// The event's layout is its `format` file (/sys/kernel/tracing/events/sock/inet_sock_set_state/format).
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

/** What a line of the trace is: a state change, the kernel's note of events it lost, or text the lab does not know. */
export type TraceLine = { kind: 'change'; change: StateChange } | { kind: 'lost'; count: number } | { kind: 'unknown'; line: string };

// `<task>-<pid> [<cpu>] <flags> <seconds>: inet_sock_set_state: <fields>`; a task's name may hold
// spaces and dashes, so the PID is the last `-<digits>` before the CPU column.
const LINE = /^\s*(.+)-(\d+)\s+\[\d+\]\s+\S+\s+(\d+\.\d+): inet_sock_set_state: (.*)$/;
// The ring buffer's own note when the reader fell behind (kernel/trace/trace.c, print_trace_line).
const LOST = /^CPU:\d+ \[LOST (\d+) EVENTS\]$/;
const FIELD = /(\w+)=(0x[0-9a-f]+) \((-?\d+)\)/g;
const AF_INET = 2;
const IPPROTO_TCP = 6;

/** An IPv4 address kept as 4 bytes and printed by the fields option as one integer in this machine's byte order. */
function ipv4(value: number): string {
  const bytes = Buffer.alloc(4);
  if (os.endianness() === 'LE') bytes.writeUInt32LE(value >>> 0);
  else bytes.writeUInt32BE(value >>> 0);
  return [...bytes].join('.');
}

function state(value: number | undefined): TcpState | null {
  return value === undefined ? null : (TCP_STATES[value] ?? null);
}

/** Reads one line of the trace. Lines of other families or protocols, or fields missing, are 'unknown'. */
export function parseTraceLine(line: string): TraceLine {
  const lost = LOST.exec(line.trim());
  if (lost) return { kind: 'lost', count: Number(lost[1]) };
  const match = LINE.exec(line);
  if (!match) return { kind: 'unknown', line };
  const [, task, pid, seconds, rest] = match as unknown as [string, string, string, string, string];
  const hex = new Map<string, string>();
  const decimal = new Map<string, number>();
  for (const [, name, h, d] of rest.matchAll(FIELD)) {
    hex.set(name!, h!);
    decimal.set(name!, Number(d));
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
