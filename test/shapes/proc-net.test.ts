// Fixtures are real /proc/net/{snmp,netstat,sockstat} captured on Linux 6.18.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { counterDelta, KERNEL_COUNTERS, parseCounterTables, parseSockstat, pickCounters, readKernelCounters } from '../../harness/shapes/proc-net.ts';

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

  test('picks the counters a variant is judged by, each from its kernel name', () => {
    // Each counter a different value, so a counter read from the wrong name shows.
    const made = parseCounterTables(
      'Tcp: ActiveOpens PassiveOpens AttemptFails EstabResets OutRsts\nTcp: 1 2 3 4 5\n' +
        'TcpExt: TCPAbortOnClose TCPAbortOnData TCPTimeWaitOverflow TWRecycled TW\nTcpExt: 6 7 8 9 10\n',
    );
    expect(pickCounters(made)).toEqual({
      activeOpens: 1,
      passiveOpens: 2,
      attemptFails: 3,
      estabResets: 4,
      outRsts: 5,
      abortOnClose: 6,
      abortOnData: 7,
      timeWaitOverflow: 8,
      timeWaitReused: 9,
      timeWaitEntered: 10,
    });
    // The real capture holds every one of them (values read off the fixture files with awk).
    expect(pickCounters(tables)).toEqual({
      activeOpens: 8096,
      passiveOpens: 8030,
      attemptFails: 0,
      estabResets: 0,
      outRsts: 118,
      abortOnClose: 0,
      abortOnData: 59,
      timeWaitOverflow: 0,
      timeWaitReused: 0,
      timeWaitEntered: 8036,
    });
    for (const [table, name] of Object.values(KERNEL_COUNTERS)) expect(tables[table]?.[name], `${table} ${name}`).toBeDefined();
  });

  test('a counter this kernel lacks counts as 0', () => {
    expect(pickCounters(parseCounterTables('Tcp: ActiveOpens\nTcp: 5\n'))).toEqual({
      activeOpens: 5,
      passiveOpens: 0,
      attemptFails: 0,
      estabResets: 0,
      outRsts: 0,
      abortOnClose: 0,
      abortOnData: 0,
      timeWaitOverflow: 0,
      timeWaitReused: 0,
      timeWaitEntered: 0,
    });
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
