// A closer that is reset after its FIN, on pages this kernel wrote (test/fixtures/trace-raw-resets/,
// captured by test/fixtures/make-trace-raw-fixtures.sh on loopback port 18083, with tcp_receive_reset
// and tcp_send_reset): three connections the client closes first with a FIN. (1) it closes, data
// comes: the timewait socket it was handed to answers with a RST (a TIME_WAIT entered, then cut
// short); (2) it shuts down writing, data comes unread, then it closes: FIN_WAIT2 > CLOSE and a RST,
// no TIME_WAIT; (3) a plain close: TIME_WAIT.
import { describe, expect, test } from 'vitest';
import type { SocketReset, StateChange } from '../../harness/observe/state-change.ts';
import { buildLedger } from '../../harness/observe/ledger.ts';
import { traceFixture } from '../support/trace-fixture.ts';

const { pages, decodePage } = traceFixture('trace-raw-resets');
const decoded = pages.flatMap((page) => decodePage(page).decoded);
const changes = decoded.flatMap((d): StateChange[] => (d.kind === 'change' ? [d.change] : []));
const resets = decoded.flatMap((d): SocketReset[] => (d.kind === 'reset' ? [d.reset] : []));

describe('resets in the ledger', () => {
  test('every captured record is a state change or a reset (received, or sent by a socket)', () => {
    expect(decoded.filter((d) => d.kind === 'unknown')).toEqual([]);
    expect(resets.length).toBeGreaterThanOrEqual(3);
    for (const reset of resets) expect(reset.skaddr).toMatch(/^0xffff[0-9a-f]+$/);
    // The received resets are of the connections' sockets (the sent ones are every socket's on the machine, joined by skaddr).
    expect(resets.some((r) => changes.some((c) => c.skaddr === r.skaddr))).toBe(true);
  });

  test('a closer reset after its FIN is not in TIME_WAIT; one whose timewait socket was reset did enter it, as TcpExt TW counts', () => {
    const ledger = buildLedger(changes, { port: 18083, address: '127.0.0.1' }, 0, resets);
    expect(ledger.map((c) => [c.closedFirstBy, c.how])).toEqual([
      ['client', 'fin'],
      ['client', 'fin'],
      ['client', 'fin'],
    ]);
    expect(ledger.map((c) => c.timeWait?.side ?? null)).toEqual(['client', null, 'client']);
    // Without the resets, the second looks like a TIME_WAIT: FIN_WAIT2 > CLOSE, as a hand-over does.
    expect(buildLedger(changes, { port: 18083, address: '127.0.0.1' }, 0).map((c) => c.timeWait?.side ?? null)).toEqual(['client', 'client', 'client']);
  });

  test("a reset of the same address after the socket closed is another socket's (the allocator reused it): it marks nothing", () => {
    const third = buildLedger(changes, { port: 18083, address: '127.0.0.1' }, 0, resets)[2]!;
    const client = changes.filter((c) => c.dport === 18083 && `${c.saddr}:${c.sport}>${c.daddr}:${c.dport}` === third.tuple);
    const closed = client.find((c) => c.newstate === 'CLOSE')!;
    const later = { skaddr: closed.skaddr, atMs: closed.atMs + 1000 };
    expect(buildLedger(changes, { port: 18083, address: '127.0.0.1' }, 0, [...resets, later])[2]!.timeWait?.side).toBe('client');
  });
});
