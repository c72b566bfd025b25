// Safety through the real CLI and a real server: where the lab's servers listen (--listen, the
// standalone server's control endpoint), and what happens when a run meets its open files limit.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, scenarioCli, standaloneServer, summaryOf } from '../support/helpers.ts';

const outDir = await mkdtemp(path.join(os.tmpdir(), 'twlab-safety-'));
afterAll(() => rm(outDir, { recursive: true, force: true }));

/** The local addresses of the sockets listening on `port`, as `ss` shows them (e.g. `127.0.0.1:9090`). */
async function listenersOn(port: number): Promise<string[]> {
  const { stdout } = await execa('ss', ['-Hltn', `( sport = :${port} )`]);
  return stdout.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)[3]!);
}

describe('--listen: the server binds another address of this host', () => {
  test.each([
    ['127.0.0.2', '127.0.0.2'],
    ['::1', '::1'],
  ])('--listen %s --netns off: the run measures the same physics, the result records the address', async (address, recorded) => {
    if (address === '::1' && !Object.values(os.networkInterfaces()).some((list) => list?.some((a) => a.address === '::1'))) {
      console.warn('skipped: this host has no IPv6 loopback (::1)');
      return;
    }
    const requests = 200;
    const result = await runScenarioOk('no-body-close', requests, 10, ['--listen', address, '--netns', 'off']);
    expect(result.params.topology).toMatchObject({ mode: 'loopback', serverAddress: recorded, fallback: null });
    expect(result.params.server.host).toBe(recorded);
    // The sampler filters by port only: the sockets to this address are counted like 127.0.0.1's.
    const bad = summaryOf(result, 'bad');
    expect(bad.connectionsOpened).toBe(requests);
    expect(bad.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * requests);
    expect(summaryOf(result, 'good').connectionsOpened).toBeLessThanOrEqual(10);
  });
});

describe('the standalone server', () => {
  test('on 0.0.0.0 with a control endpoint: the endpoint listens on 127.0.0.1 only', async () => {
    const { child, listening } = await standaloneServer(['--host', '0.0.0.0', '--control-port', '0']);
    try {
      expect(listening).toMatchObject({ host: '0.0.0.0', controlHost: '127.0.0.1' });
      expect(await listenersOn(listening.controlPort!)).toEqual([`127.0.0.1:${listening.controlPort}`]);
      expect(await listenersOn(listening.port)).toEqual([`0.0.0.0:${listening.port}`]);
      const report = (await (await fetch(`http://127.0.0.1:${listening.controlPort}/`)).json()) as { stats: object };
      expect(report.stats).toMatchObject({ connectionsAccepted: 0 });
    } finally {
      child.kill();
      await child;
    }
  });

  test('without --control-port there is no control endpoint', async () => {
    const { child, listening } = await standaloneServer([]);
    child.kill();
    await child;
    expect(listening).toMatchObject({ host: '127.0.0.1', controlHost: null, controlPort: null });
  });
});

describe('at the open files limit (the check passes, the run is tight)', () => {
  // fetch-unconsumed-body's large-unread client leaves each connection open until the garbage
  // collector runs: far more connections than its concurrency of 1 are open at once.
  const LIMIT = 100;

  test('the server runs out first: that variant fails with the reason, the others run, exit 3', async () => {
    const out = path.join(outDir, 'server-side.json');
    const cli = await scenarioCli(['fetch-unconsumed-body', '--concurrency', '1', '--netns', 'off', '--quiet', '--out', out], { openFiles: LIMIT });
    expect(cli.exitCode, cli.stderr).toBe(3);
    expect(cli.stderr).not.toMatch(/^\s+at /m);
    expect(cli.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^scenario: variant large-unread failed: .*http-server: ran out of open files \\(${LIMIT - 32} connections open, the most its limit of ${LIMIT} allows, ulimit -Hn\\): raise it or open fewer connections at once`),
    );
    const result = JSON.parse(await readFile(out, 'utf8')) as Result;
    expect(result.status).toBe('failed');
    expect(result.variants.find((v) => v.name === 'large-unread')).toMatchObject({ status: 'failed', failure: { reason: 'server-exited' } });
    expect(result.variants.find((v) => v.name === 'large-read')).toMatchObject({ status: 'complete' });
  });

  test('the client runs out (its server is elsewhere): the table says why, the last line too, exit 3', async () => {
    const { child, listening } = await standaloneServer(['--control-port', '0', '--body-bytes', String(1024 * 1024)]);
    try {
      const out = path.join(outDir, 'client-side.json');
      const target = `http://127.0.0.1:${listening.port}/`;
      const args = ['fetch-unconsumed-body', '--concurrency', '1', '--target', target, '--control-port', String(listening.controlPort), '--quiet', '--out', out];
      const cli = await scenarioCli(args, { openFiles: LIMIT });
      expect(cli.exitCode, cli.stderr).toBe(3);
      expect(cli.stderr).not.toMatch(/^\s+at /m);
      expect(cli.stderr).toMatch(/^ {2}large-unread: [\d,]+ requests failed with EMFILE: the client process ran out of file descriptors/m);
      expect(cli.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^scenario: the client of variant "large-unread" ran out of open files \\([\\d,]+ requests failed with EMFILE; the limit is ${LIMIT} per process, ulimit -Hn\\): ` +
            'raise it or lower --concurrency or --requests$',
        ),
      );
      // What was measured is kept, failures and all.
      const result = JSON.parse(await readFile(out, 'utf8')) as Result;
      expect(result.variants.find((v) => v.name === 'large-unread')!.summary.requests.errorsByCode.EMFILE).toBeGreaterThan(0);
    } finally {
      child.kill();
      await child;
    }
  });
});
