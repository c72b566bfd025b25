// The rows' tally: connections counted once as they settle, the unsettled ones beside it at each
// read without changing it, and the same counts as a tally of every connection at once.
import { describe, expect, test } from 'vitest';
import type { ConnectionRecord } from '../../harness/host/connections.ts';
import { RowTally, tallyOf } from '../../harness/host/row-tally.ts';

const record = (pid: number, lifetimeMs: number | null, closedFirst: ConnectionRecord['closedFirst'] = 'local', failed = false): ConnectionRecord => ({
  direction: 'outbound',
  local: { address: '10.0.0.1', port: 40_000 + pid },
  remote: { address: '10.0.0.7', port: 8080 },
  process: { pid, name: 'curl', commandLine: 'curl http://10.0.0.7:8080/' },
  closedFirst,
  lifetimeMs,
  failed,
});

describe('a row tally', () => {
  test('added a few at a time, it counts as one tally of them all: lifetimes sorted, PIDs counted once, the first kept', () => {
    const records = [record(7, 30), record(3, 10), record(7, 20, 'remote'), record(9, null, 'reset'), record(11, null, null, true), record(12, 5), record(13, 40), record(14, 1)];
    const tally = new RowTally();
    for (const r of records.slice(0, 3)) tally.add(r);
    expect(tally.counts()[0]).toMatchObject({ made: 3, lifetimes: [10, 20, 30] });
    for (const r of records.slice(3)) tally.add(r);
    const [row] = tally.counts();
    expect(row).toEqual(tallyOf(records).counts()[0]);
    expect(row).toMatchObject({ made: 7, failed: 1, closedFirst: { local: 5, remote: 1, reset: 1, unknown: 0 }, lifetimes: [1, 5, 10, 20, 30, 40], pids: [7, 3, 9, 11, 12], processes: 7 });
    expect(row!.place).toEqual({ destination: '10.0.0.7:8080', remoteAddress: '10.0.0.7', port: 8080 });
  });

  test('unsettled connections are counted beside it, without their lifetimes, and leave it as it was', () => {
    const tally = tallyOf([record(1, 10), record(2, 20)]);
    const open = record(3, null, null);
    expect(tally.counts([open, record(1, 99)])[0]).toMatchObject({ made: 4, closedFirst: { local: 3, unknown: 1 }, lifetimes: [10, 20], processes: 3, pids: [1, 2, 3] });
    expect(tally.counts()[0]).toMatchObject({ made: 2, closedFirst: { local: 2, unknown: 0 }, lifetimes: [10, 20], processes: 2, pids: [1, 2] });
    // One to a destination the tally has not seen is a row of its own.
    const elsewhere = { ...open, remote: { address: '10.0.0.8', port: 443 } };
    expect(tally.counts([elsewhere]).map((c) => [c.place.destination, c.made])).toEqual([['10.0.0.7:8080', 2], ['10.0.0.8:443', 1]]);
  });
});
