// /proc/net/tcp and tcp6 with addresses: the socket table captured by
// test/fixtures/make-socket-table-fixtures.mjs (five ways at once, in an empty namespace) must give
// the same sockets, endpoints and all, as ss -tan printed at the same moment.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addressOf, endpointText, parseTcpTable } from '../../harness/observe/tcp-table.ts';
import { SS_STATES } from '../../harness/observe/ss-parse.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/socket-table-${name}`, import.meta.url), 'latin1');

/** ss's lines as `state local peer`, IPv6 in brackets, IPv4-mapped shown as IPv4. */
function ssLines(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [state, , , local, peer] = line.trim().split(/\s+/) as [keyof typeof SS_STATES, string, string, string, string];
      const plain = (endpoint: string) => endpoint.replace(/^\[::ffff:([\d.]+)\]/, '$1').replace(/^\*:/, '[::]:').replace(/^0\.0\.0\.0:\*$/, '0.0.0.0:0').replace(/^\[::\]:\*$/, '[::]:0');
      return `${SS_STATES[state]} ${plain(local)} ${plain(peer)}`;
    });
}

describe('the socket table from /proc/net/tcp and tcp6', () => {
  it('gives the sockets ss printed at the same moment, with their addresses and ports', () => {
    const sockets = [...parseTcpTable(fixture('proc-net-tcp.txt')), ...parseTcpTable(fixture('proc-net-tcp6.txt'))];
    const ours = sockets.map((s) => `${s.state} ${endpointText(s.local)} ${endpointText(s.remote)}`).sort();
    expect(ours).toEqual(ssLines(fixture('ss-tan.txt')).sort());
  });

  it('prints IPv6 compressed and IPv4-mapped addresses as IPv4', () => {
    expect(addressOf('00000000000000000000000001000000')).toBe('::1');
    expect(addressOf('0000000000000000FFFF00000100007F')).toBe('127.0.0.1');
  });

  it('refuses a line it does not know, naming it', () => {
    expect(() => parseTcpTable('   0: 0100007F:1F90 nonsense 0A 0')).toThrow(/^\/proc\/net\/tcp has a line this parser does not know: 0: 0100007F:1F90 nonsense 0A 0$/);
  });
});
