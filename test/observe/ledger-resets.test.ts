// A closer that is reset after its FIN, on lines this kernel printed (test/fixtures/trace-resets.txt,
// captured by test/fixtures/make-reset-trace-fixtures.sh on loopback port 18083): three connections the
// client closes first with a FIN. (1) it closes, data comes: the timewait socket it was handed to
// answers with a RST (a TIME_WAIT entered, then cut short); (2) it shuts down writing, data comes
// unread, then it closes: FIN_WAIT2 > CLOSE and a RST, no TIME_WAIT; (3) a plain close: TIME_WAIT.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseTraceLine, type SocketReset, type StateChange } from '../../harness/observe/state-change.ts';
import { buildLedger } from '../../harness/observe/ledger.ts';

const lines = readFileSync(path.join(import.meta.dirname, '../fixtures/trace-resets.txt'), 'utf8').trim().split('\n');
const read = lines.map(parseTraceLine);
const changes = read.flatMap((l): StateChange[] => (l.kind === 'change' ? [l.change] : []));
const resets = read.flatMap((l): SocketReset[] => (l.kind === 'reset' ? [l.reset] : []));

describe('resets in the ledger', () => {
  test('every captured line is a state change or a reset (received, or sent by a socket)', () => {
    expect(read.filter((l) => l.kind === 'unknown')).toEqual([]);
    expect(resets.length).toBe(lines.filter((l) => /tcp_(receive|send)_reset:/.test(l)).length);
    expect(resets.length).toBeGreaterThanOrEqual(3);
    for (const reset of resets) expect(reset.skaddr).toMatch(/^0xffff[0-9a-f]+$/);
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
});
