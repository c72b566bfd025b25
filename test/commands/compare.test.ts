// `npm run compare` as a user runs it: real result files in, a table on stderr, JSON on stdout,
// exit 1 when a threshold is crossed, one line and exit 2 for every bad input.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { figureLabel } from '../../harness/result/figures.ts';
import { compareCli } from '../support/helpers.ts';
import { fixturePath, v1FixturePath } from '../support/results-fixtures.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'timewait-lab-compare-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const first = fixturePath('no-body-close-1.json');
const second = fixturePath('no-body-close-2.json');
const concurrency10 = fixturePath('no-body-close-3-concurrency-10.json');
const tinyPool = fixturePath('tiny-pool.json');

describe('two results', () => {
  test('a table per variant on stderr, with each key figure, its change and its significance', async () => {
    const run = await compareCli([first, concurrency10]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no-body-close: 2 results, oldest first');
    expect(run.stderr).toContain('Differences in environment and settings that can explain a change:\n  params.load.concurrency 20 -> 10');
    expect(run.stderr).toMatch(new RegExp(`│ ${figureLabel('connectionsOpened')}\\s+│ 20\\s+│ 10\\s+│ -10 \\(-50\\.0%\\)\\s+│ significant \\(every trial equal\\)\\s+│`));
    expect(run.stderr).toContain("Significance: Welch's t-test on the trials");
  });

  test('--json: the comparison on stdout', async () => {
    const run = await compareCli([first, second, '--json']);
    expect(run.exitCode).toBe(0);
    const { comparisons, thresholds } = JSON.parse(run.stdout);
    expect(thresholds).toEqual([]);
    expect(comparisons).toHaveLength(1);
    expect(comparisons[0].runs.map((r: { file: string }) => r.file)).toEqual([first, second]);
    expect(comparisons[0].differences).toEqual([[]]);
    const bad = comparisons[0].variants.find((v: { name: string }) => v.name === 'bad');
    expect(bad.figures.find((f: { figure: string }) => f.figure === 'connectionsOpened').values).toEqual([300, 300]);
  });

  test('with a single-trial result the changes cannot be judged, and the table says how to fix that', async () => {
    const run = await compareCli([first, fixturePath('no-body-close-4-single-trial.json')]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('cannot judge');
    expect(run.stderr).toContain('Significance: cannot be judged; it needs 3 or more trials in each result (npm run scenario -- <name> --repeat 3).');
  });
});

describe('a version 1 result and a version 2 result', () => {
  const v1 = v1FixturePath('no-body-close-1.json');

  test('compare as two runs of the scenario: the figures, what v1 did not count as -, and the topology that differs', async () => {
    const run = await compareCli([v1, first, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const [comparison] = JSON.parse(run.stdout).comparisons;
    expect(comparison.runs.map((r: { file: string }) => r.file)).toEqual([v1, first]);
    const figures = (variant: string) => comparison.variants.find((v: { name: string }) => v.name === variant).figures;
    const row = (variant: string, figure: string) => figures(variant).find((f: { figure: string }) => f.figure === figure);
    // One connection per request for the misconfigured client, one per worker for the fix, in both versions.
    expect(row('bad', 'connectionsOpened').values).toEqual([300, 300]);
    expect(row('good', 'connectionsOpened').values).toEqual([20, 20]);
    expect(comparison.differences[0]).toContainEqual({ field: 'params.topology.netns', before: 'off', after: 'auto' });
    expect(run.stderr).toContain('no-body-close: 2 results, oldest first');
    expect(run.stderr).toMatch(new RegExp(`│ ${figureLabel('requests.ok')}\\s+│ 300\\s+│ 300\\s+│ no change`));
  });

  test('--fail-if on a figure v1 did not count: nothing to judge, one line, exit 2', async () => {
    const run = await compareCli([v1, first, '--fail-if', 'bad.connectionsReset > 0']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toBe(
      "compare: --fail-if 'bad.connectionsReset > 0': connectionsReset was not counted in both of the two newest results of no-body-close (a version 1 result, or a --target without a control endpoint, lacks some counts): nothing to judge",
    );
  });
});

describe('a folder', () => {
  test('groups the results by scenario and shows each figure from run to run, oldest to newest', async () => {
    const folder = await mkdtemp(path.join(dir, 'results-'));
    // Names that sort against the start times: the order must come from the results themselves.
    await copyFile(concurrency10, path.join(folder, 'a.json'));
    await copyFile(second, path.join(folder, 'b.json'));
    await copyFile(first, path.join(folder, 'c.json'));
    await copyFile(tinyPool, path.join(folder, 'd.json'));
    await writeFile(path.join(folder, 'bench-2026-11-23.json'), '{"kind":"bench"}');
    const run = await compareCli([folder, '--json']);
    expect(run.exitCode).toBe(0);
    const { comparisons } = JSON.parse(run.stdout);
    expect(comparisons.map((c: { scenario: string }) => c.scenario)).toEqual(['no-body-close']);
    expect(comparisons[0].runs.map((r: { file: string }) => path.basename(r.file))).toEqual(['c.json', 'b.json', 'a.json']);
    expect(run.stderr).toContain(`compare: skipped ${path.join(folder, 'bench-2026-11-23.json')}: not a scenario result (a "bench" file)`);
    expect(run.stderr).toContain('compare: one result only, nothing to compare, for: tiny-pool');
    expect(run.stderr).toContain('#2 -> #3: params.load.concurrency 20 -> 10');
  });
});

describe('--fail-if', () => {
  test('exits 0 when no threshold is crossed, 1 when one is, and lists each', async () => {
    const pass = await compareCli([first, concurrency10, '--fail-if', 'bad.timeWait.clientSide.peak > +10%']);
    expect(pass.exitCode).toBe(0);
    expect(pass.stderr).toMatch(/ok {7}bad\.timeWait\.clientSide\.peak > \+10% in no-body-close: 300 -> 300, no change/);

    const fail = await compareCli([first, concurrency10, '--fail-if', 'bad.timeWait.clientSide.peak > +10%', '--fail-if', 'good.connectionsOpened < -25%']);
    expect(fail.exitCode).toBe(1);
    expect(fail.stderr).toContain('CROSSED  good.connectionsOpened < -25% in no-body-close: 20 -> 10, -10 (-50.0%)');
  });
});

describe('bad input: one line, exit 2, never a stack trace', () => {
  const notJson = path.join(dir, 'not-json.json');
  const newer = path.join(dir, 'newer.json');
  const malformed = path.join(dir, 'malformed.json');
  beforeAll(async () => {
    const result = JSON.parse(await readFile(first, 'utf8'));
    await writeFile(notJson, 'not json');
    await writeFile(newer, JSON.stringify({ ...result, schemaVersion: 4 }));
    await writeFile(malformed, JSON.stringify({ ...result, env: { ...result.env, sysctl: { ...result.env.sysctl, tcp_tw_reuse: 2 } } }));
  });

  test.each([
    ['a missing file', () => [first, path.join(dir, 'missing.json')], `compare: ${path.join(dir, 'missing.json')}: no such file`],
    ['a file that is not JSON', () => [first, notJson], `compare: ${notJson}: not JSON (Unexpected token 'o', "not json" is not valid JSON)`],
    [
      'a result of another schema version',
      () => [first, newer],
      `compare: ${newer}: result schema version 4, written by a newer timewait-lab: update this one to read it (this lab reads versions 1, 2 and 3)`,
    ],
    [
      'a file that fails the schema',
      () => [first, malformed],
      `compare: ${malformed}: does not match result schema v3: env.sysctl.tcp_tw_reuse: Invalid input: expected string, received number`,
    ],
    [
      'results of different scenarios',
      () => [first, tinyPool],
      `compare: results of different scenarios cannot be compared (${first} is no-body-close, ${tinyPool} is tiny-pool); give a folder to group them by scenario`,
    ],
    ['one file', () => [first], 'compare: give two or more result files of one scenario, or one folder of results'],
    ['no argument', () => [], "compare: missing required argument 'paths'"],
    ['a folder among files', () => [dir, first], `compare: ${dir} is a folder: give one folder alone, or two or more result files`],
    [
      'a threshold of bad syntax',
      () => [first, second, '--fail-if', 'bad.connectionsOpened'],
      "compare: --fail-if 'bad.connectionsOpened': expected <variant>.<figure> <op> <limit>, op one of > >= < <=, limit +10% or -10% (change in %), +50 or -50 (change), 50 (value); for example 'bad.timeWait.clientSide.peak > +10%'",
    ],
    [
      'a threshold on a variant the results lack',
      () => [first, second, '--fail-if', 'bounded.connectionsOpened > 1'],
      `compare: --fail-if 'bounded.connectionsOpened > 1': no compared scenario has variant "bounded" in its two newest results (variants: bad, good)`,
    ],
  ])('%s', async (_, args, message) => {
    const run = await compareCli(args());
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(message);
  });
});
