// A network namespace's own files, kept open and read again at every sample without a fork: the TCP
// line of sockstat (tw, inuse, orphan, alloc) and snmp's Tcp CurrEstab, and when asked its socket
// table (tcp and tcp6), from /proc/net (ours) or /proc/<pid>/net (the namespace process <pid> lives
// in). Each is read again from its start (pread at 0; a /proc seq file is generated anew for each
// read from 0): about 3 µs for sockstat instead of about 100 µs for an async readFile, and about
// half the CPU of a readFileSync of the table (npm run bench measures the sampler).
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
  /** The texts of its tcp and tcp6 socket tables (opened at the first call). */
  tables(): string[];
  /** Closes the files: an open file of a namespace's /proc/net keeps that namespace alive. */
  close(): void;
}

/**
 * A read of a /proc seq file returns at most a page of whole records: it stops when the next record
 * does not fit (fs/seq_file.c seq_read_iter). So a read that leaves room for one more line, of a
 * buffer of one page, was the last: no further read (for the socket tables a read at the end walks
 * the kernel's whole established hash once more, about 0.4 ms, for nothing).
 */
const PAGE = 4096;
const LONGEST_LINE = 512; // a socket's line: 150 bytes in tcp (padded), about 145 in tcp6 (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c)

export function openCounts(procNet: string): CountsReader {
  const buffer = Buffer.alloc(PAGE);
  const open: number[] = [];
  const file = (name: string) => {
    const fd = openSync(`${procNet}/${name}`, 'r');
    open.push(fd);
    return () => {
      let text = '';
      for (let at = 0, n = PAGE; n > PAGE - LONGEST_LINE; at += n) {
        n = readSync(fd, buffer, 0, PAGE, at);
        text += buffer.toString('latin1', 0, n);
      }
      return text;
    };
  };
  const closeAll = () => open.splice(0).forEach((fd) => closeSync(fd));
  try {
    const sockstat = file('sockstat');
    const snmp = file('snmp');
    const currEstab = () => {
      const value = tcpCounter(snmp(), 'CurrEstab');
      if (value === undefined) throw new Error(`no Tcp CurrEstab in ${procNet}/snmp`);
      return value;
    };
    let tables: (() => string)[] | null = null;
    return {
      read: () => ({ ...parseSockstat(sockstat()), currEstab: currEstab() }),
      sockstat: () => parseSockstat(sockstat()),
      tables: () => (tables ??= [file('tcp'), file('tcp6')]).map((read) => read()),
      close: closeAll,
    };
  } catch (error) {
    closeAll();
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
