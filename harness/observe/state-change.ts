// One record of the tracepoint `sock:inet_sock_set_state` as the ring buffer holds it (binary, read
// from `per_cpu/cpuN/trace_pipe_raw` by ./tracer.ts), made into a typed state change by the offsets of
// the event's `format` file (/sys/kernel/tracing/events/sock/inet_sock_set_state/format, read when
// tracing starts: ./event-format.ts); anything else is refused here, where the kernel's bytes enter
// the lab. Binary rather than text: the kernel formats no line and the lab parses none, and the
// IPv6 fields, which the text prints as `<INVALID-SIZE>` beside skaddr, are plain bytes.
import os from 'node:os';
import type { EventFormat } from './event-format.ts';
import { addressText } from './ip-address.ts';

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
  /**
   * The name (comm) of the task that called connect(), on CLOSE -> SYN_SENT, the one change whose task
   * is the process that asked for it (./tracer.ts names it); null on the others, which often run in
   * softirq context, on whoever was running.
   */
  task: string | null;
  /** The thread id of the task that ran (the record's common_pid). */
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

/** What a record is: a state change, or one the lab does not know (another event, family, protocol or state), with why. */
export type Decoded = { kind: 'change'; change: StateChange } | { kind: 'unknown'; why: string };

/** The fields read, with the size each has (include/trace/events/sock.h). */
export const STATE_CHANGE_FIELDS = {
  common_type: 2,
  common_pid: 4,
  skaddr: 8,
  oldstate: 4,
  newstate: 4,
  sport: 2,
  dport: 2,
  family: 2,
  protocol: 2,
  saddr: 4,
  daddr: 4,
  saddr_v6: 16,
  daddr_v6: 16,
} as const;

const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const LITTLE_ENDIAN = os.endianness() === 'LE';

function state(value: number): TcpState | null {
  return TCP_STATES[value] ?? null;
}

/** A decoder of the records of `format` (the tracepoint's, checked to have every field of STATE_CHANGE_FIELDS). */
export function stateChangeDecoder(format: EventFormat): (page: Buffer, at: number, length: number, timeNs: number) => Decoded {
  const offset = (name: keyof typeof STATE_CHANGE_FIELDS) => format.fields.get(name)!.offset;
  const [type, pid, skaddr, oldstate, newstate, sport, dport, family, protocol, saddr, daddr, saddr6, daddr6] = (
    Object.keys(STATE_CHANGE_FIELDS) as (keyof typeof STATE_CHANGE_FIELDS)[]
  ).map(offset) as [number, number, number, number, number, number, number, number, number, number, number, number, number];
  const size = Math.max(...[...format.fields.values()].map((f) => f.offset + f.size));
  // Integers are in the machine's byte order (sport and dport already ntohs'd by the tracepoint); addresses in network order.
  const u16 = (page: Buffer, at: number) => (LITTLE_ENDIAN ? page.readUInt16LE(at) : page.readUInt16BE(at));
  const i32 = (page: Buffer, at: number) => (LITTLE_ENDIAN ? page.readInt32LE(at) : page.readInt32BE(at));
  const u32 = (page: Buffer, at: number) => (LITTLE_ENDIAN ? page.readUInt32LE(at) : page.readUInt32BE(at));
  const [low, high] = LITTLE_ENDIAN ? [0, 4] : [4, 0];
  // IPv4 addresses written out once each: a trace holds few distinct ones (bounded).
  const ipv4 = new Map<number, string>();
  const ipv4At = (page: Buffer, at: number) => {
    const key = page.readUInt32BE(at);
    let text = ipv4.get(key);
    if (text === undefined) {
      if (ipv4.size >= 10_000) ipv4.clear();
      ipv4.set(key, (text = addressText(page, at)));
    }
    return text;
  };
  return (page, at, length, timeNs) => {
    if (length < size) return { kind: 'unknown', why: `a record of ${length} bytes, ${format.name}'s are ${size}` };
    const id = u16(page, at + type);
    if (id !== format.id) return { kind: 'unknown', why: `a record of event type ${id}, not ${format.name} (${format.id})` };
    const fam = u16(page, at + family);
    const proto = u16(page, at + protocol);
    if ((fam !== AF_INET && fam !== AF_INET6) || proto !== IPPROTO_TCP) return { kind: 'unknown', why: `a state change of family ${fam}, protocol ${proto} (the lab reads TCP over IPv4 and IPv6)` };
    const from = state(i32(page, at + oldstate));
    const to = state(i32(page, at + newstate));
    if (!from || !to) return { kind: 'unknown', why: `a state change between states ${i32(page, at + oldstate)} and ${i32(page, at + newstate)}, not TCP states` };
    const v6 = fam === AF_INET6;
    const hi = u32(page, at + skaddr + high);
    const lo = u32(page, at + skaddr + low);
    return {
      kind: 'change',
      change: {
        task: null,
        pid: i32(page, at + pid),
        atMs: timeNs / 1e6,
        skaddr: `0x${hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0')}`,
        oldstate: from,
        newstate: to,
        saddr: v6 ? addressText(page, at + saddr6, true) : ipv4At(page, at + saddr),
        sport: u16(page, at + sport),
        daddr: v6 ? addressText(page, at + daddr6, true) : ipv4At(page, at + daddr),
        dport: u16(page, at + dport),
      },
    };
  };
}
