// Fixtures captured from real `ss` on Linux 6.18 by test/fixtures/make-ss-fixtures.mjs:
// IPv4 server port 45857 and IPv6 server port 36353, with LISTEN, ESTAB, CLOSE-WAIT, FIN-WAIT-2
// and TIME-WAIT sockets on both.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { countBySide, parseSs } from '../../harness/observe/ss-parse.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const IPV4_PORT = 45857;
const IPV6_PORT = 36353;

describe('parseSs', () => {
  test('reads the same sockets with and without the header line', () => {
    const withHeader = parseSs(fixture('ss-tan-header.txt'));
    // One socket per line of the headerless capture.
    expect(withHeader).toHaveLength(fixture('ss-Htan.txt').trim().split('\n').length);
    expect(parseSs(fixture('ss-Htan.txt'))).toEqual(withHeader);
  });

  test('takes ports from IPv4 and bracketed IPv6 addresses', () => {
    const sockets = parseSs(fixture('ss-Htan.txt'));
    expect(sockets[0]).toEqual({ state: 'listen', localPort: IPV4_PORT, peerPort: Number.NaN });
    expect(sockets).toContainEqual({ state: 'finWait2', localPort: 40848, peerPort: IPV6_PORT });
  });

  test('rejects a state it does not know, naming it', () => {
    expect(() => parseSs('BOGUS 0 0 127.0.0.1:1 127.0.0.1:2')).toThrow(/unknown TCP state "BOGUS"/);
  });
});

describe('countBySide', () => {
  test.each([IPV4_PORT, IPV6_PORT])('attributes each socket of port %i to the side that holds it', (port) => {
    const counts = countBySide(parseSs(fixture('ss-tan-header.txt')), port);
    // The client closed first on two connections: one finished (client TIME-WAIT), one half-closed
    // (client FIN-WAIT-2, server CLOSE-WAIT); a third is still open on both ends.
    expect(counts.clientSide).toEqual({ timeWait: 1, finWait2: 1, established: 1 });
    expect(counts.serverSide).toEqual({ listen: 1, closeWait: 1, established: 1 });
  });

  test('ignores sockets of other ports', () => {
    expect(countBySide(parseSs(fixture('ss-Htan.txt')), 1)).toEqual({ clientSide: {}, serverSide: {} });
  });
});
