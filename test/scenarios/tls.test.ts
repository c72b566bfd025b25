// HTTPS and HTTP/2 end to end, through the real CLI: a real TLS server process with a certificate
// made for the run, real clients that trust its CA through their environment, the server's own
// handshake and stream counts and its process's CPU time. What each scenario claims is checked by
// the run (exit 0 = every claim held); here, the physics behind the claims.
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { expectRefusal, runScenarioOk, scenarioCli, summaryOf } from '../support/helpers.ts';

/** A scenario's run through the real CLI: every full handshake is CPU on a machine the suite shares. */
const RUN_TIMEOUT_MS = 180_000;
const caFolders = async () => (await readdir(os.tmpdir())).filter((name) => name.startsWith('twlab-tls-'));

describe('tls-no-keepalive', () => {
  let result: Result;
  let foldersBefore: string[];
  beforeAll(async () => {
    foldersBefore = await caFolders();
    // 400 requests, the scenario's own: at fewer the server's warm-up weighs on its CPU per request (the claim needs 300).
    result = await runScenarioOk('tls-no-keepalive', 400, 4);
  }, RUN_TIMEOUT_MS);

  it('records the server as TLS, and every connection it accepted went through one handshake', () => {
    expect(result.params.server).toMatchObject({ tls: true, http2: false });
    for (const variant of result.variants) {
      const { tls, connectionsOpened } = variant.summary;
      expect(tls!.handshakes, variant.name).toBe(connectionsOpened);
      expect(tls!.failed, variant.name).toBe(0);
    }
  });

  it('without an agent every request is a connection and a full handshake; with a plain agent the handshakes are resumed', () => {
    const bad = summaryOf(result, 'no-keepalive');
    expect(bad.connectionsOpened).toBe(400);
    expect(bad.tls).toMatchObject({ full: 400, resumed: 0 });
    const resumed = summaryOf(result, 'session-resumption');
    expect(resumed.connectionsOpened).toBe(400);
    // Only the first requests, in flight before any session came back, cannot resume one.
    expect(resumed.tls!.full).toBeLessThanOrEqual(4);
    expect(resumed.tls!.resumed).toBe(400 - resumed.tls!.full);
  });

  it('keep-alive pays a handshake per connection, and costs the server a fraction of the CPU per request', () => {
    const good = summaryOf(result, 'keep-alive');
    expect(good.connectionsOpened).toBeLessThanOrEqual(4);
    const cpu = (name: string) => summaryOf(result, name).serverCpu!.perRequestUs;
    expect(cpu('no-keepalive')).toBeGreaterThan(2 * cpu('keep-alive'));
    // A resumed handshake skips the certificate's signature: it costs less than a full one, more than none.
    expect(cpu('session-resumption')).toBeGreaterThan(cpu('keep-alive'));
  });

  it('removes the CA it made for the run', async () => {
    expect((await caFolders()).filter((name) => !foldersBefore.includes(name))).toEqual([]);
  });
});

describe('http2-multiplex', () => {
  let result: Result;
  beforeAll(async () => {
    result = await runScenarioOk('http2-multiplex', 100, 20);
  }, RUN_TIMEOUT_MS);

  it('HTTP/1.1 with an idle pool of 2 reopens connections every burst, and none speaks HTTP/2', () => {
    const s = summaryOf(result, 'http1-small-pool');
    // 5 bursts of 20: 20, then 18 new each time.
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(20 + 4 * 18 - 4);
    expect(s.http2).toMatchObject({ connections: 0, streams: 0 });
  });

  it('the HTTP/2 client carries every request as a stream of one connection', () => {
    const s = summaryOf(result, 'http2');
    expect(s.connectionsOpened).toBe(1);
    expect(s.tls!.handshakes).toBe(1);
    expect(s.http2).toEqual({ connections: 1, streams: 100, streamsPerConnection: 100 });
  });
});

describe('bad input: one line, exit 2, before anything runs', () => {
  it('--http2 without --tls', async () => {
    expectRefusal(await scenarioCli(['keepalive-disabled', '--http2', '--requests', '5']), 2, /^scenario: server settings: http2 needs tls: /);
  });

  it('a TLS scenario whose CA file cannot be written', async () => {
    expectRefusal(
      await scenarioCli(['tls-no-keepalive', '--requests', '5'], { env: { TMPDIR: '/proc/twlab-nowhere' } }),
      2,
      /^scenario: cannot write the TLS CA file in \/proc\/twlab-nowhere \(.*\): set TMPDIR to a folder this user can write$/,
    );
  });
});
