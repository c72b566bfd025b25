// The tracepoint's lines as this kernel prints them (test/fixtures/trace-inet-sock-set-state.txt,
// captured by test/fixtures/make-trace-fixtures.sh: a client that closes first, a server that closes
// first, a reset from the client, a failed connect, on loopback port 18081).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseTraceLine, type StateChange } from '../../harness/observe/state-change.ts';

const lines = readFileSync(path.join(import.meta.dirname, '../fixtures/trace-inet-sock-set-state.txt'), 'utf8').trim().split('\n');
const changes = lines.map(parseTraceLine).flatMap((l) => (l.kind === 'change' ? [l.change] : []));
const moves = (list: StateChange[]) => list.map((c) => `${c.oldstate}>${c.newstate}`);

describe('a line of sock:inet_sock_set_state', () => {
  test('every captured line is a state change, with task, PID, time, socket, states and the 4-tuple', () => {
    expect(changes).toHaveLength(lines.length);
    expect(changes[1]).toMatchObject({ task: 'python3', oldstate: 'CLOSE', newstate: 'SYN_SENT', saddr: '127.0.0.1', sport: 0, daddr: '127.0.0.1', dport: 18081 });
    expect(changes[1]!.skaddr).toMatch(/^0xffff[0-9a-f]+$/);
    expect(changes[1]!.pid).toBeGreaterThan(0);
    // Times are the trace's seconds, in ms, and never go back within one CPU's lines.
    expect(changes[2]!.atMs).toBeGreaterThanOrEqual(changes[1]!.atMs);
  });

  test('a task whose name holds a slash keeps it (a softirq run by ksoftirqd/1)', () => {
    const softirq = lines.filter((l) => l.includes('ksoftirqd/'));
    expect(softirq.length).toBeGreaterThan(0);
    for (const line of softirq) expect(parseTraceLine(line)).toMatchObject({ kind: 'change', change: { task: expect.stringMatching(/^ksoftirqd\/\d+$/) } });
  });

  test('the client that closes first goes FIN_WAIT1, FIN_WAIT2, CLOSE; the server CLOSE_WAIT, LAST_ACK, CLOSE', () => {
    const clientSocket = changes[1]!.skaddr;
    const clientPort = changes[2]!.sport;
    const client = changes.slice(1).filter((c) => c.skaddr === clientSocket && c.dport === 18081);
    expect(moves(client.slice(0, 5))).toEqual(['CLOSE>SYN_SENT', 'SYN_SENT>ESTABLISHED', 'ESTABLISHED>FIN_WAIT1', 'FIN_WAIT1>FIN_WAIT2', 'FIN_WAIT2>CLOSE']);
    const server = changes.filter((c) => c.sport === 18081 && c.dport === clientPort);
    expect(moves(server)).toEqual(['LISTEN>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>CLOSE_WAIT', 'CLOSE_WAIT>LAST_ACK', 'LAST_ACK>CLOSE']);
  });

  test('a reset goes ESTABLISHED > CLOSE on both ends; a failed connect SYN_SENT > CLOSE', () => {
    expect(changes.filter((c) => c.oldstate === 'ESTABLISHED' && c.newstate === 'CLOSE')).toHaveLength(2);
    expect(changes.filter((c) => c.oldstate === 'SYN_SENT' && c.newstate === 'CLOSE').map((c) => c.dport)).toEqual([18082]);
  });

  test('the ring buffer\'s note of lost events is a count', () => {
    expect(parseTraceLine('CPU:1 [LOST 42 EVENTS]')).toEqual({ kind: 'lost', count: 42 });
  });

  test.each([
    ['an empty line', ''],
    ['another event', '  bash-1 [000] ..... 1.000000: sched_switch: prev_comm=bash'],
    ['IPv6 (family 10)', lines[1]!.replace('family=0x2 (2)', 'family=0xa (10)')],
    ['a state out of range', lines[1]!.replace('newstate=0x2 (2)', 'newstate=0x63 (99)')],
    ['a field missing', lines[1]!.replace(/skaddr=\S+ \(\S+\) /, '')],
  ])('%s is unknown, not a state change', (_, line) => {
    expect(parseTraceLine(line)).toEqual({ kind: 'unknown', line });
  });
});
