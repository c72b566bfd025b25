// Parsers for the kernel's per-namespace TCP figures: /proc/net/sockstat, and the counter tables of
// /proc/net/snmp and /proc/net/netstat (a line of names, then a line of values, per protocol).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { count } from './zod.ts';

/** The TCP line of /proc/net/sockstat: sockets in use, orphaned, in TIME_WAIT, allocated. */
export const sockstatSchema = z.strictObject({ inuse: count, orphan: count, tw: count, alloc: count });
export type Sockstat = z.infer<typeof sockstatSchema>;

export function parseSockstat(text: string): Sockstat {
  const line = text.split('\n').find((l) => l.startsWith('TCP:'));
  if (!line) throw new Error('no TCP line in /proc/net/sockstat');
  const fields = line.slice('TCP:'.length).trim().split(/\s+/);
  const get = (name: string) => Number(fields[fields.indexOf(name) + 1] ?? NaN);
  return { inuse: get('inuse'), orphan: get('orphan'), tw: get('tw'), alloc: get('alloc') };
}

/** `{ Tcp: { ActiveOpens: 12, ... }, TcpExt: { TCPAbortOnClose: 3, ... } }` */
export type CounterTables = Record<string, Record<string, number>>;

export function parseCounterTables(text: string): CounterTables {
  const tables: CounterTables = {};
  const lines = text.split('\n').filter((l) => l.includes(':'));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [prefix, names] = splitLine(lines[i]!);
    const [prefix2, values] = splitLine(lines[i + 1]!);
    if (prefix !== prefix2 || names.length !== values.length) {
      throw new Error(`counter table "${prefix}" is malformed: names and values do not pair up`);
    }
    tables[prefix] = Object.fromEntries(names.map((n, j) => [n, Number(values[j])]));
  }
  return tables;
}

function splitLine(line: string): [string, string[]] {
  const colon = line.indexOf(':');
  return [line.slice(0, colon), line.slice(colon + 1).trim().split(/\s+/)];
}

/** The TCP counters a variant is judged by: table and name in the kernel, and our name. */
export const KERNEL_COUNTERS = {
  activeOpens: ['Tcp', 'ActiveOpens'],
  passiveOpens: ['Tcp', 'PassiveOpens'],
  attemptFails: ['Tcp', 'AttemptFails'],
  estabResets: ['Tcp', 'EstabResets'],
  outRsts: ['Tcp', 'OutRsts'],
  abortOnClose: ['TcpExt', 'TCPAbortOnClose'],
  abortOnData: ['TcpExt', 'TCPAbortOnData'],
  timeWaitOverflow: ['TcpExt', 'TCPTimeWaitOverflow'],
  // Connections that took over a port still in TIME_WAIT (tcp_tw_reuse): what the kernel hides.
  timeWaitReused: ['TcpExt', 'TWRecycled'],
  // Sockets that entered TIME_WAIT: counted when their timer is first set, not when it fires
  // (net/ipv4/inet_timewait_sock.c, __inet_twsk_schedule: LINUX_MIB_TIMEWAITED).
  timeWaitEntered: ['TcpExt', 'TW'],
} as const;

/** One value per counter: a reading, or a difference of two. */
export const kernelCountersSchema = z.strictObject(
  Object.fromEntries(Object.keys(KERNEL_COUNTERS).map((name) => [name, z.number().int()])) as Record<keyof typeof KERNEL_COUNTERS, z.ZodNumber>,
);
export type KernelCounters = z.infer<typeof kernelCountersSchema>;

export function pickCounters(tables: CounterTables): KernelCounters {
  return Object.fromEntries(
    Object.entries(KERNEL_COUNTERS).map(([ours, [table, name]]) => [ours, tables[table]?.[name] ?? 0]),
  ) as KernelCounters;
}

/** The counters of the network namespace `/proc/<pid>/net` belongs to (default: ours). */
export async function readKernelCounters(procNet = '/proc/net'): Promise<KernelCounters> {
  const [snmp, netstat] = await Promise.all([readFile(`${procNet}/snmp`, 'utf8'), readFile(`${procNet}/netstat`, 'utf8')]);
  return pickCounters({ ...parseCounterTables(snmp), ...parseCounterTables(netstat) });
}

export function counterDelta(before: KernelCounters, after: KernelCounters): KernelCounters {
  return Object.fromEntries(
    Object.keys(before).map((k) => [k, after[k as keyof KernelCounters] - before[k as keyof KernelCounters]]),
  ) as KernelCounters;
}

/** Counters of several namespaces added up: what one namespace holding all of them would count. */
export function counterSum(all: KernelCounters[]): KernelCounters {
  return Object.fromEntries(
    Object.keys(KERNEL_COUNTERS).map((k) => [k, all.reduce((sum, c) => sum + c[k as keyof KernelCounters], 0)]),
  ) as KernelCounters;
}
