// `npm run measure -- --tls`: the user's curl, unchanged, against the lab's HTTPS server. curl finds
// the run's CA by itself (CURL_CA_BUNDLE); the server counts its connections and handshakes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { expectRefusal, measureCli, summaryOf } from '../support/helpers.ts';

const features = (await execa('curl', ['--version'], { reject: false })).stdout ?? '';
const noCurl = /\bHTTP2\b/.test(features) && /\bhttps\b/.test(features) ? null : 'curl with https and HTTP2 is not on PATH';
if (noCurl) console.warn(`Skipping the measure --tls tests: ${noCurl}`);

const loop = (n: number, flags = '') => `for i in $(seq ${n}); do curl -s ${flags} -o /dev/null "$TARGET_URL"; done`;

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-measure-tls-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let runs = 0;

async function measure(args: string[]) {
  const cli = await measureCli(['--quiet', '--json', '--out', path.join(dir, `${++runs}.json`), ...args]);
  return { cli, result: JSON.parse(cli.stdout) as Result };
}

describe.skipIf(noCurl)('curl over HTTPS', () => {
  test('a curl process per request: a connection and a full handshake each', async () => {
    const { cli, result } = await measure(['--tls', '--client', `loop=${loop(20)}`]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const s = summaryOf(result, 'loop');
    expect(s.connectionsOpened).toBe(20);
    expect(s.tls).toMatchObject({ handshakes: 20, full: 20, resumed: 0, failed: 0 });
    expect(s.serverCpu!.perRequestUs).toBeGreaterThan(0);
  });

  test('curl --http2 with --http2 speaks HTTP/2: one stream on each of its connections', async () => {
    const { cli, result } = await measure(['--tls', '--http2', '--client', `h2=${loop(5, '--http2')}`]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(summaryOf(result, 'h2').http2).toEqual({ connections: 5, streams: 5, streamsPerConnection: 1 });
  });

  test('a client that does not trust the CA fails, named by the TLS error it gave, and the server saw the handshake fail', async () => {
    const { cli, result } = await measure(['--tls', '--client', 'distrust=curl -sS -o /dev/null --cacert /etc/ssl/certs/ca-certificates.crt "$TARGET_URL"']);
    expect(cli.exitCode).toBe(3);
    const variant = result.variants[0]!;
    expect(variant.status).toBe('failed');
    expect(variant.failure!.message).toMatch(/exited with code 60: curl: \(60\) SSL certificate problem/);
    expect(variant.summary.tls!.failed).toBe(1);
  });
});

test('--http2 without --tls is refused in one line', async () => {
  expectRefusal(await measureCli(['--http2', '--', 'true']), 2, /^measure: server settings: http2 needs tls: /);
});

test('a CA file that cannot be written is refused in one line, before anything starts', async () => {
  expectRefusal(
    await measureCli(['--tls', '--', 'true'], { env: { TMPDIR: '/proc/twlab-nowhere' } }),
    2,
    /^measure: cannot write the TLS CA file in \/proc\/twlab-nowhere \(.*\): set TMPDIR to a folder this user can write$/,
  );
});
