// The ring buffer's pages as this kernel gives them (test/fixtures/trace-raw/, captured by
// test/fixtures/make-trace-raw-fixtures.sh from a tracing instance's per_cpu/cpuN/trace_pipe_raw: on
// CPU 0 a client that closes first, a server that closes first, a reset from the client, a failed
// connect on loopback port 18081, then a pause that makes the kernel write a time extend; on the last
// CPU the same client on ::1), decoded by the offsets of the captured `format` and `header_page`.
import { describe, expect, test } from 'vitest';
import { parsePageLayout } from '../../harness/observe/event-format.ts';
import { decoderOf, type StateChange } from '../../harness/observe/state-change.ts';
import { readPage } from '../../harness/observe/trace-page.ts';
import { traceFixture } from '../support/trace-fixture.ts';

const { formats, layout, pages, decodePage } = traceFixture('trace-raw');
const formatText = formats[0]!;
const decodeAll = (page: Buffer) => {
  const { read, decoded } = decodePage(page);
  return { read, decoded, changes: decoded.flatMap((d) => (d.kind === 'change' ? [d.change] : [])) };
};
const [cpu0, cpuLast] = pages.map(decodeAll) as [ReturnType<typeof decodeAll>, ReturnType<typeof decodeAll>];
const moves = (list: StateChange[]) => list.map((c) => `${c.oldstate}>${c.newstate}`);
const PORT = 18081;

describe('a page of trace_pipe_raw', () => {
  test('its layout comes from header_page: a page is one read of trace_pipe_raw', () => {
    expect(layout.dataOffset).toBeGreaterThan(layout.commitOffset);
    for (const page of pages) expect(page.length).toBe(layout.pageSize);
  });

  test('every record is a state change, nothing lost, every page walked to its end', () => {
    for (const { read, decoded } of [cpu0, cpuLast]) {
      expect(read).toEqual({ lost: 0, malformed: null });
      expect(decoded.length).toBeGreaterThan(0);
      expect(decoded.filter((d) => d.kind !== 'change')).toEqual([]);
    }
  });

  test('a connect: CLOSE > SYN_SENT from port 0, with the socket address and the connecting thread', () => {
    const connect = cpu0.changes.find((c) => c.oldstate === 'CLOSE' && c.newstate === 'SYN_SENT')!;
    expect(connect).toMatchObject({ task: null, saddr: '127.0.0.1', sport: 0, daddr: '127.0.0.1', dport: PORT });
    expect(connect.skaddr).toMatch(/^0xffff[0-9a-f]{12}$/);
    expect(connect.pid).toBeGreaterThan(0);
  });

  test('the client that closes first goes FIN_WAIT1, FIN_WAIT2, CLOSE; the server CLOSE_WAIT, LAST_ACK, CLOSE', () => {
    const connect = cpu0.changes.find((c) => c.newstate === 'SYN_SENT')!;
    const clientPort = cpu0.changes.find((c) => c.skaddr === connect.skaddr && c.sport !== 0)!.sport;
    const client = cpu0.changes.filter((c) => c.skaddr === connect.skaddr && c.dport === PORT && c.sport === clientPort);
    expect(moves(client)).toEqual(['SYN_SENT>ESTABLISHED', 'ESTABLISHED>FIN_WAIT1', 'FIN_WAIT1>FIN_WAIT2', 'FIN_WAIT2>CLOSE']);
    const server = cpu0.changes.filter((c) => c.sport === PORT && c.dport === clientPort);
    expect(moves(server)).toEqual(['LISTEN>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>CLOSE_WAIT', 'CLOSE_WAIT>LAST_ACK', 'LAST_ACK>CLOSE']);
  });

  test('a reset goes ESTABLISHED > CLOSE on both ends; a failed connect SYN_SENT > CLOSE', () => {
    expect(cpu0.changes.filter((c) => c.oldstate === 'ESTABLISHED' && c.newstate === 'CLOSE')).toHaveLength(2);
    expect(cpu0.changes.filter((c) => c.oldstate === 'SYN_SENT' && c.newstate === 'CLOSE').map((c) => c.dport)).toEqual([PORT + 1]);
  });

  test('IPv6 is read: the addresses of a connection on ::1', () => {
    const v6 = cpuLast.changes.filter((c) => c.dport === PORT || c.sport === PORT);
    expect(v6.filter((c) => c.newstate === 'SYN_SENT')).toMatchObject([{ saddr: '::1', sport: 0, daddr: '::1', dport: PORT }]);
    expect(moves(v6.filter((c) => c.dport === PORT && c.sport !== 0))).toEqual(['SYN_SENT>ESTABLISHED', 'ESTABLISHED>FIN_WAIT1', 'FIN_WAIT1>FIN_WAIT2', 'FIN_WAIT2>CLOSE']);
  });

  test('times are the trace clock in ms, in order within a CPU; the time extend carries the pause of 300 ms', () => {
    const times = cpu0.changes.map((c) => c.atMs);
    expect(times).toEqual(times.toSorted((a, b) => a - b));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // One gap is the script's pause (longer than a record's own 27-bit delta, 134 ms, holds); the rest are far shorter.
    expect(gaps.filter((g) => g >= 300 && g < 2000)).toHaveLength(1);
    expect(gaps.filter((g) => g > 134 && g < 300)).toEqual([]);
    // The last CPU's records came after it.
    expect(cpuLast.changes[0]!.atMs).toBeGreaterThan(times.at(-2)!);
  });
});

describe('what the decoder refuses', () => {
  const page = () => Buffer.from(pages[0]!);
  const firstRecord = 16 + 4; // the data, then the first record's header (type_len 18: 72 bytes follow)

  test.each([
    ['another event', 'common_type', (p: Buffer, at: number) => p.writeUInt16LE(1, at), /^a record of event type 1, not inet_sock_set_state \(\d+\)$/],
    ['another family', 'family', (p: Buffer, at: number) => p.writeUInt16LE(1, at), /^a state change of family 1, protocol 6/],
    ['another protocol', 'protocol', (p: Buffer, at: number) => p.writeUInt16LE(132, at), /^a state change of family 2, protocol 132/],
    ['a state out of range', 'newstate', (p: Buffer, at: number) => p.writeInt32LE(99, at), /^a state change between states \d+ and 99/],
  ])('%s is unknown, with why', (_, field, change, why) => {
    const p = page();
    change(p, firstRecord + Number(new RegExp(`${field}(?:\\[\\d+\\])?;\\toffset:(\\d+);`).exec(formatText)![1]));
    const { decoded } = decodeAll(p);
    expect(decoded[0]).toMatchObject({ kind: 'unknown', why: expect.stringMatching(why) });
    expect(decoded.slice(1).every((d) => d.kind === 'change')).toBe(true);
  });

  test('a page whose commit says more data than it holds is malformed, not read past', () => {
    const p = page();
    p.writeUInt32LE(layout.pageSize, layout.commitOffset);
    expect(readPage(p, layout, () => {}).malformed).toMatch(/^a page whose data is 4096 bytes, longer than the 4080 read$/);
  });

  test('a record that runs past the data is malformed', () => {
    const p = page();
    p.writeUInt32LE(100, layout.commitOffset); // the second record (at 76) is cut at 100
    const seen: number[] = [];
    expect(readPage(p, layout, (_, at) => seen.push(at)).malformed).toMatch(/^a record of 72 bytes at 76 that runs past the page's 100 bytes of data$/);
    expect(seen).toEqual([firstRecord]);
  });

  test("the kernel's note of lost events before a page: the count stored after the data", () => {
    const p = page();
    const size = p.readUInt32LE(layout.commitOffset) & (2 ** 27 - 1);
    p.writeUInt32LE((size | 2 ** 31 | 2 ** 30) >>> 0, layout.commitOffset);
    p.writeBigUInt64LE(42n, layout.dataOffset + size);
    expect(readPage(p, layout, () => {})).toEqual({ lost: 42, malformed: null });
    p.writeUInt32LE((size | 2 ** 31) >>> 0, layout.commitOffset);
    expect(readPage(p, layout, () => {}).lost).toBe(1);
  });

  test('a format without a field the lab reads, or with another size, or of another event, is one line', () => {
    expect(() => decoderOf([formatText.replace(/skaddr/g, 'sk')])).toThrow(/^the tracepoint inet_sock_set_state has no field skaddr on this kernel \(its format file lists common_type, .*\)$/);
    expect(() => decoderOf([formatText.replace('offset:24;\tsize:2;', 'offset:24;\tsize:4;')])).toThrow(/^the tracepoint inet_sock_set_state's field sport is 4 bytes on this kernel, the lab reads 2$/);
    expect(() => decoderOf([formatText.replace('name: inet_sock_set_state', 'name: sched_switch')])).toThrow(/^the tracer reads inet_sock_set_state, tcp_receive_reset, tcp_send_reset, not sched_switch$/);
    expect(() => parsePageLayout('field: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;')).toThrow(/^events\/header_page does not describe a page/);
  });
});
