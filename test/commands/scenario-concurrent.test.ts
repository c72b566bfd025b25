// Two scenario runs at the same time, through the real CLI: each counts only its own connections
// (a server and port per variant, namespaces named after the run's PID) and each keeps its own
// result file, even written into the same folder under the default naming.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { readResultFolder } from '../../harness/result/read.ts';
import type { Result } from '../../harness/result/schema.ts';
import { namespacesMissing, scenarioCli, summaryOf } from '../support/helpers.ts';

const noNamespaces = await namespacesMissing();
const skipped = noNamespaces ? ` (skipped: ${noNamespaces})` : '';
const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-concurrent-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

// Different loads, so that figures mixed up between the runs would show.
const RUNS = [
  { requests: 300, concurrency: 10 },
  { requests: 200, concurrency: 5 },
];

async function twoRunsAtOnce(mode: 'namespaces' | 'loopback', netns: string[]) {
  const folder = await mkdtemp(path.join(dir, `${mode}-`));
  const runs = await Promise.all(
    RUNS.map(({ requests, concurrency }) =>
      scenarioCli(['no-body-close', '--quiet', '--requests', `${requests}`, '--concurrency', `${concurrency}`, ...netns, '--out-dir', folder, '--json']),
    ),
  );
  for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
  const results = runs.map((run) => JSON.parse(run.stdout) as Result);
  // They did run at the same time (otherwise this test would prove nothing).
  const [a, b] = results as [Result, Result];
  expect(a.startedAt < b.finishedAt && b.startedAt < a.finishedAt, `${a.startedAt}..${a.finishedAt} and ${b.startedAt}..${b.finishedAt}`).toBe(true);

  for (const [i, result] of results.entries()) {
    const { requests, concurrency } = RUNS[i]!;
    expect(result.params.topology.mode).toBe(mode);
    expect(result.params.load).toMatchObject({ requests, concurrency });
    // The physics of each run alone: the misconfigured client opens a connection per request and
    // leaves as many client-side TIME_WAIT, not one more of the other run's; the fix at most its pool.
    const bad = summaryOf(result, 'bad');
    expect(bad.connectionsOpened).toBeGreaterThanOrEqual(0.9 * requests);
    expect(bad.connectionsOpened).toBeLessThanOrEqual(requests);
    expect(bad.timeWait.clientSide.peak).toBeLessThanOrEqual(requests);
    const good = summaryOf(result, 'good');
    expect(good.connectionsOpened).toBeLessThanOrEqual(concurrency);
    expect(good.timeWait.total.peak).toBeLessThanOrEqual(concurrency);
  }

  // Both files in the shared folder, each the result its run printed.
  const { results: files } = await readResultFolder(folder);
  expect(files).toHaveLength(2);
  expect(new Set(files.map((f) => f.file)).size).toBe(2);
  for (const result of results) expect(files.map((f) => f.result)).toContainEqual(result);
}

const title = 'each sees only its own connections, each keeps its own result file';
test.skipIf(noNamespaces)(`two runs at once in namespaces: ${title}${skipped}`, () => twoRunsAtOnce('namespaces', ['--netns', 'on']));
test(`two runs at once on loopback: ${title}`, () => twoRunsAtOnce('loopback', ['--netns', 'off']));
