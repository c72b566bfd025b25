// `--repeat N` end to end: a real scenario run three times per variant, each trial on a fresh
// server and port; the summary holds the medians, the spread and every trial beside it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { median } from 'simple-statistics';
import { readResult } from '../../harness/result/read.ts';
import { scenarioCli } from '../support/helpers.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'timewait-lab-repeat-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const REQUESTS = 200;
const CONCURRENCY = 10;

test('no-body-close --repeat 3: three trials per variant, the physics in each, medians in the summary', async () => {
  const out = path.join(dir, 'result.json');
  const run = await scenarioCli(['no-body-close', '--requests', `${REQUESTS}`, '--concurrency', `${CONCURRENCY}`, '--repeat', '3', '--out', out]);
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stderr).toContain('3 trials per variant');
  expect(run.stderr).toContain('(misconfigured, trial 3 of 3)');

  // Read back through the schema, as compare reads it.
  const result = await readResult(out);
  expect(result.params.repeat).toBe(3);
  const ports = result.variants.flatMap((v) => v.trials.map((t) => t.serverPort));
  expect(new Set(ports).size).toBe(6);

  const [bad, good] = [result.variants.find((v) => v.name === 'bad')!, result.variants.find((v) => v.name === 'good')!];
  for (const variant of [bad, good]) {
    expect(variant.trials).toHaveLength(3);
    expect(variant.serverPort).toBe(variant.trials[0]!.serverPort);
    const rps = variant.trials.map((t) => t.summary.reqPerSec);
    expect(variant.summary.reqPerSec).toBe(median(rps));
    expect(variant.spread.min.reqPerSec).toBe(Math.min(...rps));
    expect(variant.spread.max.reqPerSec).toBe(Math.max(...rps));
  }
  // The misconfigured client opens one connection per request, in every trial: exact, so no mismatch.
  expect(bad.trials.map((t) => t.summary.connectionsOpened)).toEqual([REQUESTS, REQUESTS, REQUESTS]);
  expect(bad.exactCountMismatches).toEqual([]);
  // The fix never opens more than one connection per worker.
  for (const t of good.trials) expect(t.summary.connectionsOpened).toBeLessThanOrEqual(CONCURRENCY);
});

test('--repeat takes a whole number from 1 to 100', async () => {
  const run = await scenarioCli(['no-body-close', '--repeat', '0']);
  expect(run.exitCode).toBe(2);
  expect(run.stderr.trim()).toBe("scenario: option '--repeat <n>' argument '0' is invalid. expected a whole number from 1 to 100.");
});
