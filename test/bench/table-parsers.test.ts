// One socket table captured five ways at the same moment (test/fixtures/make-socket-table-fixtures.mjs,
// in an empty namespace): every parser must find the same sockets on each side of each port.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInetDiag } from '../../harness/observe/inet-diag.ts';
import { countBySide, parseSs, type SsSocket } from '../../harness/observe/ss-parse.ts';
import { parseNetstat, parseProcNetTcp } from '../../bench/table-parsers.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/socket-table-${name}`, import.meta.url));
const ports = JSON.parse(fixture('ports.json').toString()) as { v4: number; v6: number };

const ways: Record<string, () => SsSocket[]> = {
  'ss -tan -D (raw inet_diag)': () => parseInetDiag(fixture('ss-tan-D.bin')),
  'netstat -ant': () => parseNetstat(fixture('netstat-ant.txt').toString()),
  '/proc/net/tcp + tcp6': () => [
    ...parseProcNetTcp(fixture('proc-net-tcp.txt').toString()),
    ...parseProcNetTcp(fixture('proc-net-tcp6.txt').toString()),
  ],
};

describe('socket table parsers agree with ss on the same table', () => {
  const ss = parseSs(fixture('ss-tan.txt').toString());

  it('ss shows what the fixture script built on each port', () => {
    // Per port: 5 connections; #0 client closed only, #1 #2 client closed first, #3 server closed first, #4 open.
    for (const port of [ports.v4, ports.v6]) {
      expect(countBySide(ss, port)).toEqual({
        clientSide: { finWait2: 1, timeWait: 2, established: 1 },
        serverSide: { listen: 1, closeWait: 1, timeWait: 1, established: 1 },
      });
    }
  });

  for (const [name, parse] of Object.entries(ways)) {
    it(`${name} gives the same sockets as ss -tan`, () => {
      const sockets = parse();
      expect(sockets).toHaveLength(ss.length);
      for (const port of [ports.v4, ports.v6]) expect(countBySide(sockets, port)).toEqual(countBySide(ss, port));
    });
  }

  it('parseInetDiag keeps only the sockets of the port it is given', () => {
    const dump = fixture('ss-tan-D.bin');
    const onV4 = parseInetDiag(dump, ports.v4);
    expect(onV4).toHaveLength(ss.filter((s) => s.localPort === ports.v4 || s.peerPort === ports.v4).length);
    expect(countBySide(onV4, ports.v4)).toEqual(countBySide(ss, ports.v4));
  });

  it('parseInetDiag refuses a truncated dump instead of miscounting', () => {
    const dump = fixture('ss-tan-D.bin');
    expect(() => parseInetDiag(dump.subarray(0, dump.byteLength - 10))).toThrow(/truncated netlink message/);
  });
});
