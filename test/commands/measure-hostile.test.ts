// `npm run measure` against clients that misbehave on purpose: one whose child escapes its process
// group (setsid) and holds its pipes, one that leaves a loop running in its own session and exits 0,
// one that floods its stdout, one whose protocol lines are wrong or huge. Each run is bounded in
// time; afterwards no process of the client is left anywhere (by a marker in its command line), no
// namespace of the run is left, and the result was written with what was measured.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { MAX_CLIENT_COUNT } from '../../harness/shapes/client-protocol.ts';
import { escapingLoop, measureCli, namespacesMissing, processMarker, runCli, running, summaryOf, untilLoopRuns } from '../support/helpers.ts';

const noCurl = (await execa('curl', ['--version'], { reject: false })).exitCode === 0 ? null : 'curl is not on PATH (apt-get install curl)';
const noNamespaces = await namespacesMissing();
const modes = [['off'], ...(noNamespaces ? [] : [['on']])];

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-hostile-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let runs = 0;
const newMarker = () => {
  runs++;
  return processMarker();
};

/** Runs the CLI with `args`, at most `boundMs`; the result it wrote (checked against the contract), its end, its PID. */
async function measure(args: string[], boundMs: number) {
  const out = path.join(dir, `${runs}.json`);
  const started = Date.now();
  const child = measureCli(['--quiet', '--out', out, ...args], { timeout: boundMs });
  const cli = await child;
  const tookMs = Date.now() - started;
  expect(cli.timedOut, cli.stderr).toBe(false);
  const result = JSON.parse(await readFile(out, 'utf8')) as Result;
  expect(resultProblems(result)).toEqual([]);
  expect(await namespacesOf(child.pid)).toEqual([]);
  return { cli, result, tookMs };
}

describe.skipIf(noCurl).each(modes)('--netns %s', (netns) => {
  test('a child that escapes the group (setsid) and holds the pipes: stopped at the time limit, with it; the load kept; exit 3', async () => {
    const marker = newMarker();
    // The shell waits for its child, which loops requests in a session of its own, stdout and stderr still the client's.
    const { cli, result } = await measure(['--netns', netns, '--time-limit-s', '2', '--client', `pg=${escapingLoop(marker)} & wait`], 30_000);
    expect(cli.exitCode, cli.stderr).toBe(3);
    expect(result.variants[0]!.failure).toMatchObject({ reason: 'time-limit' });
    // The requests it made until then are the server's count, kept.
    expect(summaryOf(result, 'pg').requestsServed).toBeGreaterThan(0);
    expect(result.variants[0]!.clientNotes?.join('\n')).toMatch(new RegExp(`^it left (a process|\\d+ processes) running after it exited, ended by the lab: \\d+ sh -c .*${marker}`));
    expect(await running(marker)).toEqual([]);
  });

  test('a loop left running in a session of its own after the client exits 0: ended, and named in the result and on the terminal', async () => {
    const marker = newMarker();
    const client = `${escapingLoop(marker, 0.2)} >/dev/null 2>&1 & sleep 1; exit 0`;
    const { cli, result } = await measure(['--netns', netns, '--client', `bg=${client}`], 30_000);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(result.status).toBe('complete');
    expect(summaryOf(result, 'bg').requestsServed).toBeGreaterThan(0);
    const note = result.variants[0]!.clientNotes?.find((n) => n.includes(marker));
    expect(note).toMatch(/^it left (a process|\d+ processes) running after it exited, ended by the lab: \d+ sh -c /);
    expect(cli.stderr).toContain(`  bg: ${note}.`);
    expect(await running(marker)).toEqual([]);
  });
});

describe.skipIf(noCurl)('stopped by a signal while an escaped child holds the pipes', () => {
  test('SIGTERM: exit 143 within the wind-down, nothing left running', async () => {
    const marker = newMarker();
    const cli = runCli('harness/commands/measure.ts', ['--quiet', '--client', `pg=${escapingLoop(marker)} & wait`, '--out', path.join(dir, 'signalled.json')], { timeout: 30_000 });
    expect(await untilLoopRuns(marker, 10_000)).not.toEqual([]);
    cli.kill('SIGTERM');
    const ended = await cli;
    expect(ended.timedOut, String(ended.stderr)).toBe(false);
    expect(ended.exitCode, String(ended.stderr)).toBe(143);
    expect(await running(marker)).toEqual([]);
    expect(await namespacesOf(cli.pid)).toEqual([]);
  });
});

describe.skipIf(noCurl)('what a client prints', () => {
  test('20 MB of ordinary output costs it nothing: measured, well inside its time limit', async () => {
    const { cli, result } = await measure(['--netns', 'off', '--time-limit-s', '20', '--client', 'f=yes | head -c 20000000; curl -s -o /dev/null "$TARGET_URL"'], 40_000);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(summaryOf(result, 'f').requestsServed).toBe(1);
    expect(result.variants[0]!.clientNotes).toBeUndefined();
  });

  test('bad protocol lines: each named once by its first bad field; the result is valid, the server count beside', async () => {
    const done = { type: 'done', ok: 1, failed: 0, errorsByCode: {}, firstFailure: null, durationMs: 1, latencyMs: { p50: 1, p90: 1, p99: 1, max: 1, mean: 1 } };
    const print = (value: object) => `echo '${JSON.stringify(value)}'`;
    const request = 'curl -s -o /dev/null "$TARGET_URL"';
    // 300,000 counters: one line of about 3 MB, printed by awk.
    const huge = `${request}; awk 'BEGIN { printf "{\\"type\\":\\"done\\",\\"clientCounters\\":{"; for (i = 0; i < 300000; i++) printf "\\"c%d\\":1,", i; print "\\"z\\":1}}" }'`;
    const { cli, result } = await measure(
      [
        '--netns', 'off',
        '--time-limit-s', '30',
        '--client', `big=${request}; ${print({ ...done, ok: 1e308 })}`,
        '--client', `negative=${request}; ${print({ ...done, clientCounters: { retries: -1 } })}`,
        '--client', `overflow=${request}; ${print({ ...done, ok: Number.MAX_SAFE_INTEGER })}`,
        '--client', `huge=${huge}`,
        '--client', `above=${request}; ${print({ ...done, ok: 5 })}`,
      ],
      60_000,
    );
    const notes = Object.fromEntries(result.variants.map((v) => [v.name, v.clientNotes]));
    expect(notes.big).toEqual([`a protocol line was ignored: ok: a count: a whole number from 0 to ${MAX_CLIENT_COUNT.toExponential()}`]);
    expect(notes.negative).toEqual([`a protocol line was ignored: clientCounters.retries: a count: a whole number from 0 to ${MAX_CLIENT_COUNT.toExponential()}`]);
    expect(notes.overflow).toEqual([`a protocol line was ignored: ok: a count: a whole number from 0 to ${MAX_CLIENT_COUNT.toExponential()}`]);
    expect(notes.huge).toEqual(['a protocol line was ignored: a line is longer than 64 KB']);
    // A count the protocol accepts that is above the server's: both are in the result.
    expect(notes.above).toEqual(['it reported 5 requests answered, the server served 1']);
    expect(summaryOf(result, 'above').requests.ok).toBe(5);
    expect(summaryOf(result, 'above').requestsServed).toBe(1);
    // An ignored line leaves the server's count.
    for (const name of ['big', 'negative', 'overflow', 'huge']) expect(summaryOf(result, name).requests.total, name).toBe(1);
    expect(cli.stderr).toContain('  huge: a protocol line was ignored: a line is longer than 64 KB.');
  });
});

describe('a client that connects and asks nothing', () => {
  test('20 connections, 0 requests: no connections-per-request ratio, and an --expect on it measured nothing', async () => {
    // bash opens and closes a TCP connection through /dev/tcp (bash(1), REDIRECTION), sending nothing.
    const client = 'bash -c \'for i in $(seq 20); do exec 3<>"/dev/tcp/$TARGET_HOST/$TARGET_PORT"; exec 3<&-; done\'';
    const { cli, result } = await measure(['--netns', 'off', '--client', `c=${client}`, '--expect', 'connectionsPerRequest <= 0.5'], 30_000);
    const summary = summaryOf(result, 'c');
    expect(summary.connectionsOpened).toBe(20);
    expect(summary.requests.total).toBe(0);
    expect(summary.connectionsPerRequest).toBeNull();
    expect(cli.stderr).toMatch(/│ connections per request +│ - +│/);
    expect(result.claims).toMatchObject([{ held: false, measured: null }]);
    expect(cli.exitCode, cli.stderr).toBe(1);
  });
});
