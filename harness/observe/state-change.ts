// One record of the tracepoint `sock:inet_sock_set_state` as the ring buffer holds it (binary, read
// from `per_cpu/cpuN/trace_pipe_raw` by ./tracer.ts), made into a typed state change by the offsets of
// the event's `format` file (/sys/kernel/tracing/events/sock/inet_sock_set_state/format, read when
// tracing starts: ./event-format.ts); or one of `tcp:tcp_receive_reset` or `tcp:tcp_send_reset`, a
// socket's reset (events/tcp/*/format); anything else is refused here, where the kernel's bytes enter
// the lab. Binary rather than text: the kernel formats no line and the lab parses none, and the
// IPv6 fields, which the text prints as `<INVALID-SIZE>` beside skaddr, are plain bytes.
import os from 'node:os';
import { LabError } from '../shared/errors.ts';
import { checkFields, parseEventFormat, type EventFormat } from './event-format.ts';
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

/** What a record is: a state change, a reset, or one the lab does not know (another event, family, protocol or state), with why. */
export type Decoded = { kind: 'change'; change: StateChange } | { kind: 'reset'; reset: SocketReset } | { kind: 'unknown'; why: string };

/** Reads one record: `at` and `length` where its bytes are in `page`, `timeNs` its time on the trace clock. */
export type RecordDecoder = (page: Buffer, at: number, length: number, timeNs: number) => Decoded;

/** The fields read, with the size each has (include/trace/events/sock.h). */
const STATE_CHANGE_FIELDS = {
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

/** tcp:tcp_receive_reset's fields read (include/trace/events/tcp.h): its socket, and the family to keep to TCP over IP. */
const RECEIVED_RESET_FIELDS = { common_type: 2, skaddr: 8, family: 2 } as const;
/** tcp:tcp_send_reset's: its socket (the instance's filter keeps those sent by one). */
const SENT_RESET_FIELDS = { common_type: 2, skaddr: 8 } as const;

const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const LITTLE_ENDIAN = os.endianness() === 'LE';
// Integers are in the machine's byte order (sport and dport already ntohs'd by the tracepoint); addresses in network order.
const u16 = (page: Buffer, at: number) => (LITTLE_ENDIAN ? page.readUInt16LE(at) : page.readUInt16BE(at));
const i32 = (page: Buffer, at: number) => (LITTLE_ENDIAN ? page.readInt32LE(at) : page.readInt32BE(at));
const u32 = (page: Buffer, at: number) => (LITTLE_ENDIAN ? page.readUInt32LE(at) : page.readUInt32BE(at));
const [LOW, HIGH] = LITTLE_ENDIAN ? [0, 4] : [4, 0];

/** A kernel address written out, by its low 32 bits (a Smi: `| 0`), with its high ones to check. */
const pointers = new Map<number, { hi: number; text: string }>();

/**
 * A kernel address (8 bytes) as hex, `0xffff8881d9bd4a00`: the key that links a socket's records.
 * Written out once per address: the slab hands the same few socket addresses out again and again
 * (bounded; measured: writing each record's out was the observer's largest JavaScript cost).
 */
function pointerAt(page: Buffer, at: number): string {
  const hi = u32(page, at + HIGH);
  const lo = u32(page, at + LOW);
  const known = pointers.get(lo | 0);
  if (known !== undefined && known.hi === hi) return known.text;
  if (pointers.size >= 100_000) pointers.clear();
  const text = `0x${hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0')}`;
  pointers.set(lo | 0, { hi, text });
  return text;
}

/** The bytes a record of `format` holds at least: its last field's end. */
const sizeOf = (format: EventFormat) => Math.max(...[...format.fields.values()].map((f) => f.offset + f.size));

function state(value: number): TcpState | null {
  return TCP_STATES[value] ?? null;
}

/** A decoder of the records of `format` (the tracepoint's, checked to have every field of STATE_CHANGE_FIELDS). */
function stateChangeDecoder(format: EventFormat): RecordDecoder {
  const offset = (name: keyof typeof STATE_CHANGE_FIELDS) => format.fields.get(name)!.offset;
  const [type, pid, skaddr, oldstate, newstate, sport, dport, family, protocol, saddr, daddr, saddr6, daddr6] = (
    Object.keys(STATE_CHANGE_FIELDS) as (keyof typeof STATE_CHANGE_FIELDS)[]
  ).map(offset) as [number, number, number, number, number, number, number, number, number, number, number, number, number];
  const size = sizeOf(format);
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
    return {
      kind: 'change',
      change: {
        task: null,
        pid: i32(page, at + pid),
        atMs: timeNs / 1e6,
        skaddr: pointerAt(page, at + skaddr),
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

/** A decoder of a reset event's records (tcp_receive_reset's of TCP over IPv4 or IPv6, checked by its family; tcp_send_reset's, which has none). */
function resetDecoder(format: EventFormat): RecordDecoder {
  const type = format.fields.get('common_type')!.offset;
  const skaddr = format.fields.get('skaddr')!.offset;
  const family = format.fields.get('family')?.offset;
  const size = sizeOf(format);
  return (page, at, length, timeNs) => {
    if (length < size) return { kind: 'unknown', why: `a record of ${length} bytes, ${format.name}'s are ${size}` };
    const id = u16(page, at + type);
    if (id !== format.id) return { kind: 'unknown', why: `a record of event type ${id}, not ${format.name} (${format.id})` };
    const fam = family === undefined ? null : u16(page, at + family);
    if (fam !== null && fam !== AF_INET && fam !== AF_INET6) return { kind: 'unknown', why: `a reset of family ${fam} (the lab reads TCP over IPv4 and IPv6)` };
    return { kind: 'reset', reset: { skaddr: pointerAt(page, at + skaddr), atMs: timeNs / 1e6 } };
  };
}

/** One decoder for the records of several events, each handed to its own by its type (the common header's `common_type`, the same in every event). */
function traceDecoder(events: { format: EventFormat; decode: RecordDecoder }[]): RecordDecoder {
  const type = events[0]!.format.fields.get('common_type')!.offset;
  const byType = new Map(events.map(({ format, decode }) => [format.id, decode]));
  const names = events.map(({ format }) => `${format.name} (${format.id})`).join(', ');
  return (page, at, length, timeNs) => {
    const decode = length >= type + 2 ? byType.get(u16(page, at + type)) : undefined;
    return decode ? decode(page, at, length, timeNs) : { kind: 'unknown', why: `a record of event type ${length >= type + 2 ? u16(page, at + type) : '?'}, not ${names}` };
  };
}

/** The events the tracer reads, by the name in their format file: the fields each needs, and its decoder. */
const EVENTS: Record<string, { fields: Readonly<Record<string, number>>; decoderOf: (format: EventFormat) => RecordDecoder }> = {
  inet_sock_set_state: { fields: STATE_CHANGE_FIELDS, decoderOf: stateChangeDecoder },
  tcp_receive_reset: { fields: RECEIVED_RESET_FIELDS, decoderOf: resetDecoder },
  tcp_send_reset: { fields: SENT_RESET_FIELDS, decoderOf: resetDecoder },
};

/** The decoder of the records of the events whose `format` files are given (each checked to have the fields the lab reads). */
export function decoderOf(formatTexts: string[]): RecordDecoder {
  return traceDecoder(
    formatTexts.map((text) => {
      const format = parseEventFormat(text);
      const event = EVENTS[format.name];
      if (!event) throw new LabError(`the tracer reads ${Object.keys(EVENTS).join(', ')}, not ${format.name}`);
      return { format: checkFields(format, event.fields), decode: event.decoderOf(format) };
    }),
  );
}
