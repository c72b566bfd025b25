// What is drawn of a run never costs its result: with stderr on /dev/full (every write fails with
// ENOSPC, null(4)) the table, the progress lines and the live view are lost, and the run is
// measured, its result written whole, and its exit is the verdict's.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, test } from 'vitest';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { ROOT, summaryOf } from '../support/helpers.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-output-lost-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs a command of the lab with its stderr on /dev/full (through sh, which opens it), at most 60 s. */
const withFullStderr = (entry: string, args: string[]) =>
  execa('sh', ['-c', 'exec "$@" 2>/dev/full', 'sh', process.execPath, path.join(ROOT, entry), ...args], { cwd: ROOT, reject: false, timeout: 60_000 });

test.each([
  ['scenario', 'harness/commands/scenario.ts', ['no-body-close', '--requests', '20', '--netns', 'off', '--no-story'], 'bad'],
  ['measure', 'harness/commands/measure.ts', ['--netns', 'off', '--client', 'one=curl -s -o /dev/null "$TARGET_URL"'], 'one'],
] as const)('%s with stderr on /dev/full: the result is written, the exit is the verdict\'s', async (name, entry, args, variant) => {
  const out = path.join(dir, `${name}.json`);
  const cli = await withFullStderr(entry, [...args, '--out', out]);
  expect(cli.timedOut).toBe(false);
  const result = JSON.parse(await readFile(out, 'utf8')) as Result;
  expect(resultProblems(result)).toEqual([]);
  expect(result.status).toBe('complete');
  expect(summaryOf(result, variant).requests.ok).toBeGreaterThan(0);
  expect(cli.exitCode).toBe(result.claims.every((c) => c.held) ? 0 : 1);
});
