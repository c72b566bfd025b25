// `npm run measure` end to end: the user's own clients (curl, a shell loop) against a real server,
// on loopback and in network namespaces, counted by the server, the real `ss` and the kernel. The
// counts a client makes by construction are exact: 60 curl processes open 60 connections, one curl
// given 60 URLs opens one.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { isAlive } from '../../harness/process/pids.ts';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { compareCli, descendants, measureCli, namespacesMissing, runCli, summaryOf } from '../support/helpers.ts';

const REQUESTS = 60;
const LOOP = `for i in $(seq ${REQUESTS}); do curl -s -o /dev/null "$TARGET_URL"; done`;
/** One curl process, given the URL REQUESTS times (each with its -o): it reuses one connection. */
const ONE = `curl -s $(for i in $(seq ${REQUESTS}); do printf -- '-o /dev/null %s ' "$TARGET_URL"; done)`;

const noCurl = (await execa('curl', ['--version'], { reject: false })).exitCode === 0 ? null : 'curl is not on PATH (apt-get install curl)';
if (noCurl) console.warn(`Skipping the measure tests that run curl: ${noCurl}`);
const noNamespaces = await namespacesMissing();

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-measure-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let runs = 0;

/** Runs the CLI, checks that the result it printed is the one it wrote and honours the contract; returns both. */
async function measure(args: string[]) {
  const out = path.join(dir, `${++runs}.json`);
  // The run's own options first: after `--` every word is the client's.
  const child = measureCli(['--quiet', '--json', '--out', out, ...args]);
  const cli = await child;
  const result = JSON.parse(cli.stdout) as Result;
  expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(result);
  expect(resultProblems(result)).toEqual([]);
  return { cli, result, out, pid: child.pid };
}

describe.skipIf(noCurl)('curl: a process per request, or one process for many URLs', () => {
  describe.each([
    ['on loopback', 'off'],
    ['in network namespaces', 'on'],
  ] as const)('%s', (_, netns) => {
    if (netns === 'on' && noNamespaces) {
      test.skip(`needs network namespaces: ${noNamespaces}`);
      return;
    }
    test(`loop: ${REQUESTS} requests on ${REQUESTS} connections, closed by the client; one: ${REQUESTS} requests on one`, async () => {
      const { cli, result } = await measure(['--netns', netns, '--client', `loop=${LOOP}`, '--client', `one=${ONE}`]);
      expect(cli.exitCode, cli.stderr).toBe(0);
      expect(result.scenario).toBe('measure');
      expect(result.params.load).toBeNull();
      expect(result.params.topology.mode).toBe(netns === 'on' ? 'namespaces' : 'loopback');
      expect(result.variants.map((v) => [v.name, v.role, v.command])).toEqual([
        ['loop', 'measured', LOOP],
        ['one', 'measured', ONE],
      ]);
      const [loop, one] = [summaryOf(result, 'loop'), summaryOf(result, 'one')];
      // Exact: the server's own counts, and the requests are the ones it answered.
      expect([loop.requests.total, loop.requests.ok, loop.requestsServed, loop.connectionsOpened]).toEqual([REQUESTS, REQUESTS, REQUESTS, REQUESTS]);
      expect([one.requests.total, one.requests.ok, one.requestsServed, one.connectionsOpened]).toEqual([REQUESTS, REQUESTS, REQUESTS, 1]);
      expect(loop.connectionsPerRequest).toBe(1);
      // Each curl exits first: the client side holds the TIME_WAIT.
      expect(loop.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
      expect(loop.timeWait.serverSide.peak).toBe(0);
      expect(one.timeWait.total.peak).toBeLessThanOrEqual(1);
      // A client that reports nothing has no latencies to show, and none made up.
      expect(loop.latencyMs).toBeUndefined();
      if (netns === 'on') {
        // The client ran in the client's namespace: its kernel saw exactly its connections.
        expect(loop.kernelBySide!.client.activeOpens).toBe(REQUESTS);
        expect(one.kernelBySide!.client.activeOpens).toBe(1);
      }
      expect(result.claims).toEqual([]);
      expect(result.verdict).toBe(
        `loop opened ${REQUESTS} connections for ${REQUESTS} requests (TIME_WAIT peak: client side ${loop.timeWait.clientSide.peak}, server side 0); ` +
          `one opened 1 (TIME_WAIT peak: client side ${one.timeWait.clientSide.peak}, server side 0)`,
      );
    });
  });

  test('--expect: the loop does not reuse its connections (exit 1, one line naming the figure); the single curl does (exit 0)', async () => {
    const expectation = 'connectionsPerRequest <= 0.05';
    const loop = await measure(['--expect', expectation, '--', 'sh', '-c', LOOP]);
    expect(loop.cli.exitCode, loop.cli.stderr).toBe(1);
    expect(loop.cli.stderr.trim().split('\n').at(-1)).toBe(`measure: --expect '${expectation}' did not hold for sh (measured 1.00)`);
    expect(loop.result.claims).toEqual([
      { text: 'sh: connections per request <= 0.05 (measured 1)', held: false, variant: 'sh', metric: 'connectionsPerRequest', measured: 1, atMost: 0.05 },
    ]);
    const one = await measure(['--expect', expectation, '--', 'sh', '-c', ONE]);
    expect(one.cli.exitCode, one.cli.stderr).toBe(0);
    expect(one.result.claims.map((c) => c.held)).toEqual([true]);
    expect(one.cli.stderr).toContain('Expectations (--expect) (1 of 1 held');
  });

  test('the results go through compare (and --fail-if) like a scenario\'s', async () => {
    const a = await measure(['--netns', 'off', '--client', `loop=${LOOP}`, '--client', `one=${ONE}`]);
    const b = await measure(['--netns', 'off', '--client', `loop=${LOOP}`, '--client', `one=${ONE}`]);
    const compare = await compareCli([a.out, b.out, '--json', '--fail-if', 'one.connectionsOpened > 1']);
    expect(compare.exitCode, compare.stderr).toBe(0);
    expect(compare.stderr).toContain('measure: 2 results, oldest first');
    const { comparisons, thresholds } = JSON.parse(compare.stdout);
    const opened = (name: string) =>
      comparisons[0].variants.find((v: { name: string }) => v.name === name).figures.find((f: { figure: string }) => f.figure === 'connectionsOpened').values;
    expect(opened('loop')).toEqual([REQUESTS, REQUESTS]);
    expect(opened('one')).toEqual([1, 1]);
    expect(thresholds.map((t: { crossed: boolean }) => t.crossed)).toEqual([false]);
  });
});

describe.skipIf(noCurl)('a client that fails', () => {
  test('exits non-zero: a failed variant with its exit code and last lines on stderr, exit 3; the next client still runs', async () => {
    const bad = 'curl -s -o /dev/null "$TARGET_URL"; echo "connecting..." >&2; echo "it broke: no retry left" >&2; exit 7';
    const { cli, result } = await measure(['--client', `bad=${bad}`, '--client', 'after=curl -s -o /dev/null "$TARGET_URL"']);
    expect(cli.exitCode, cli.stderr).toBe(3);
    expect(cli.stderr.trim().split('\n').at(-1)).toBe(
      'measure: client bad failed: client "bad" exited with code 7: it broke: no retry left; the result marks it failed, with what was measured until then',
    );
    expect(cli.stderr).toContain('    stderr: connecting...\n    stderr: it broke: no retry left');
    expect(result.status).toBe('failed');
    const [failed, after] = result.variants;
    expect(failed!.status).toBe('failed');
    expect(failed!.failure).toMatchObject({ reason: 'client-exited', exitCode: 7, stderrTail: ['connecting...', 'it broke: no retry left'] });
    // What it did before it failed is measured: the one request the server answered.
    expect([failed!.summary.requests.total, failed!.summary.connectionsOpened]).toEqual([1, 1]);
    expect(after!.status).toBe('complete');
    expect(after!.summary.connectionsOpened).toBe(1);
  });

  test('hangs: stopped at its time limit, with everything it started, in its namespace too; exit 3', async () => {
    // A marker no other process has: every process it names must be gone when the CLI is.
    const marker = `${process.pid}${Date.now() % 100_000}`;
    const hang = `curl -s -o /dev/null "$TARGET_URL"; sleep ${marker} & sleep ${marker}`;
    const { cli, result, pid } = await measure(['--time-limit-s', '2', '--client', `hang=${hang}`]);
    expect(cli.exitCode, cli.stderr).toBe(3);
    expect(result.variants[0]!.failure).toMatchObject({ reason: 'time-limit' });
    expect(result.variants[0]!.failure!.message).toBe('client "hang" did not finish within its time limit of 2 s and was stopped (raise it with --time-limit-s)');
    expect(result.variants[0]!.summary.connectionsOpened).toBe(1);
    const { stdout } = await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false });
    expect(stdout).toBe('');
    expect(await namespacesOf(pid)).toEqual([]);
  });

  test('exits leaving a process behind: the process is ended with it, and the client is measured', async () => {
    const marker = `${process.pid}${(Date.now() + 2) % 100_000}`;
    const { cli, result } = await measure(['--client', `bg=curl -s -o /dev/null "$TARGET_URL"; sleep ${marker} >/dev/null 2>&1 &`]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(summaryOf(result, 'bg').connectionsOpened).toBe(1);
    const { stdout } = await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false });
    expect(stdout).toBe('');
  });

  test('Ctrl-C while a client runs stops it and all it started, and writes nothing', async () => {
    const marker = `${process.pid}${(Date.now() + 1) % 100_000}`;
    const cli = runCli('harness/commands/measure.ts', ['--client', `hang=sleep ${marker}`, '--out', path.join(dir, 'interrupted.json')]);
    let started: { pid: number; command: string }[] = [];
    for (let i = 0; i < 100 && !started.some((p) => p.command === `sleep ${marker}`); i++) {
      await new Promise((r) => setTimeout(r, 100));
      started = await descendants(cli.pid!);
    }
    expect(started.map((p) => p.command)).toContain(`sleep ${marker}`);
    cli.kill('SIGINT');
    const ended = await cli;
    expect(ended.exitCode).toBe(130);
    expect(String(ended.stderr).trim().split('\n').at(-1)).toBe('measure: no result written: no variant had finished');
    for (const p of started) expect(await isAlive(p.pid), p.command).toBe(false);
    expect(await namespacesOf(cli.pid)).toEqual([]);
  });
});

describe.skipIf(noCurl)('a client that speaks the program-client protocol', () => {
  test('its own counts, failures and latencies are used, its other output dropped', async () => {
    const done = {
      type: 'done',
      ok: 2,
      failed: 1,
      errorsByCode: { ECONNREFUSED: 1 },
      firstFailure: { request: 3, tMs: 4.5, code: 'ECONNREFUSED' },
      durationMs: 12.5,
      latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1.5 },
      clientCounters: { retries: 2 },
    };
    // Two requests on one connection (one curl, two URLs), then what it says of itself.
    const client = `curl -s -o /dev/null "$TARGET_URL" -o /dev/null "$TARGET_URL"; echo "not $(echo JSON)"; echo '${JSON.stringify(done)}'`;
    const { cli, result } = await measure(['--netns', 'off', '--client', `proto=${client}`]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const s = summaryOf(result, 'proto');
    expect(s.requests).toEqual({ total: 3, ok: 2, failed: 1, errorsByCode: { ECONNREFUSED: 1 }, firstFailure: done.firstFailure });
    expect(s.latencyMs).toEqual(done.latencyMs);
    expect(s.clientCounters).toEqual({ retries: 2 });
    // The server's own counts stand beside the client's.
    expect([s.requestsServed, s.connectionsOpened]).toEqual([2, 1]);
    expect(cli.stderr).not.toContain('not JSON');
  });
});
