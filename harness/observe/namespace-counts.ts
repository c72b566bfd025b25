// A network namespace's own socket counts, read as files at every sample without a fork: the TCP
// line of sockstat (tw, inuse, orphan, alloc) and snmp's Tcp CurrEstab, from /proc/net (ours) or
// /proc/<pid>/net (the namespace process <pid> lives in). The files stay open and are read again
// from their start (pread at 0; a /proc seq file is generated anew for each read from 0): about 3 µs
// for sockstat instead of about 100 µs for an async readFile (npm run bench measures the sampler).
import { closeSync, openSync, readSync } from 'node:fs';
import { parseSockstat, type Sockstat } from '../shapes/proc-net.ts';

export interface SocketCounts extends Sockstat {
  /**
   * Tcp CurrEstab: connections in ESTABLISHED or CLOSE-WAIT (RFC 1213 tcpCurrEstab; Linux's
   * tcp_set_state counts a socket from ESTABLISHED until it leaves both states).
   */
  currEstab: number;
}

export interface CountsReader {
  /** sockstat's TCP line and CurrEstab, now. */
  read(): SocketCounts;
  /** sockstat alone: the namespace total of TIME_WAIT where the namespace is not one side's (loopback). */
  sockstat(): Sockstat;
  /** Closes the files: an open file of a namespace's /proc/net keeps that namespace alive. */
  close(): void;
}

// Both files are a few hundred bytes to a few kB; a larger one is read in several steps.
const CHUNK = 16 * 1024;

export function openCounts(procNet: string): CountsReader {
  const buffer = Buffer.alloc(CHUNK);
  const open: number[] = [];
  const file = (name: string) => {
    const fd = openSync(`${procNet}/${name}`, 'r');
    open.push(fd);
    return () => {
      let text = '';
      for (let at = 0, n = CHUNK; n === CHUNK; at += n) {
        n = readSync(fd, buffer, 0, CHUNK, at);
        text += buffer.toString('latin1', 0, n);
      }
      return text;
    };
  };
  try {
    const sockstat = file('sockstat');
    const snmp = file('snmp');
    const currEstab = () => {
      const value = tcpCounter(snmp(), 'CurrEstab');
      if (value === undefined) throw new Error(`no Tcp CurrEstab in ${procNet}/snmp`);
      return value;
    };
    return {
      read: () => ({ ...parseSockstat(sockstat()), currEstab: currEstab() }),
      sockstat: () => parseSockstat(sockstat()),
      close: () => open.splice(0).forEach((fd) => closeSync(fd)),
    };
  } catch (error) {
    open.splice(0).forEach((fd) => closeSync(fd));
    throw error;
  }
}

/**
 * One counter of snmp's Tcp table (a line of names, then a line of values): those two lines alone,
 * at every sample (parseCounterTables reads every table: some 15 µs more, npm run bench).
 */
function tcpCounter(snmp: string, name: string): number | undefined {
  const names = snmp.indexOf('\nTcp: ') + 1;
  const values = snmp.indexOf('\n', names) + 1;
  if (names === 0 || values === 0 || !snmp.startsWith('Tcp: ', values)) return undefined;
  const at = snmp.slice(names + 5, values - 1).split(' ').indexOf(name);
  const value = at < 0 ? undefined : snmp.slice(values + 5, snmp.indexOf('\n', values) >>> 0).split(' ')[at];
  return value === undefined ? undefined : Number(value);
}
