// Fixtures are real /proc/net/{snmp,netstat,sockstat} captured on Linux 6.18.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { counterDelta, parseCounterTables, parseSockstat, pickCounters, readKernelCounters } from '../../harness/observe/proc-net.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

describe('parseSockstat', () => {
  test('reads the TCP line', () => {
    expect(parseSockstat(fixture('proc-net-sockstat.txt'))).toEqual({ inuse: 1, orphan: 0, tw: 6008, alloc: 1 });
  });
  test('says when there is no TCP line', () => {
    expect(() => parseSockstat('UDP: inuse 0 mem 0\n')).toThrow(/no TCP line/);
  });
});

describe('parseCounterTables', () => {
  const tables = { ...parseCounterTables(fixture('proc-net-snmp.txt')), ...parseCounterTables(fixture('proc-net-netstat.txt')) };

  test('pairs each name line with its value line, per protocol', () => {
    expect(Object.keys(tables)).toEqual(expect.arrayContaining(['Ip', 'Tcp', 'Udp', 'TcpExt', 'IpExt']));
    expect(tables.Tcp?.RtoAlgorithm).toBe(1);
    expect(tables.Tcp?.MaxConn).toBe(-1);
  });

  test('picks the counters a variant is judged by', () => {
    const counters = pickCounters(tables);
    expect(Object.keys(counters)).toHaveLength(9);
    for (const value of Object.values(counters)) expect(Number.isInteger(value)).toBe(true);
    expect(counters.activeOpens).toBe(tables.Tcp?.ActiveOpens);
    expect(counters.abortOnClose).toBe(tables.TcpExt?.TCPAbortOnClose);
    expect(counters.timeWaitReused).toBe(tables.TcpExt?.TWRecycled);
  });

  test('refuses a table whose names and values do not pair up', () => {
    expect(() => parseCounterTables('Tcp: A B\nTcp: 1\n')).toThrow(/malformed/);
  });
});

test('the live counters of this namespace move forward, and deltas subtract', async () => {
  const before = await readKernelCounters();
  const after = await readKernelCounters();
  const delta = counterDelta(before, after);
  for (const value of Object.values(delta)) expect(value).toBeGreaterThanOrEqual(0);
  expect(counterDelta(before, before).activeOpens).toBe(0);
});
