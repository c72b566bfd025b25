// The JSON commands as the docs write them, through npm itself: `npm run -s <script> -- ... --json`
// puts the JSON alone on stdout. Without -s, npm prints its banner on stdout before the command
// runs (`> timewait-lab@0.1.0 scenario`); the command cannot take that back, and says how to keep it out.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, test } from 'vitest';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { ROOT } from '../support/helpers.ts';
import { fixturePath } from '../support/results-fixtures.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-npm-json-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** npm as a user runs it: none of the npm_* settings of an `npm test` that may be running this suite. */
const npm = (args: string[]) =>
  execa('npm', args, {
    cwd: ROOT,
    reject: false,
    stdin: 'ignore',
    timeout: 120_000,
    extendEnv: false,
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))),
  });

const [A, B] = [fixturePath('no-body-close-1.json'), fixturePath('no-body-close-2.json')];

test('npm run -s scenario -- <name> --json: the result alone on stdout, the same as the file', async () => {
  const out = path.join(dir, 'r.json');
  const cli = await npm(['run', '-s', 'scenario', '--', 'no-body-close', '--requests', '20', '--netns', 'off', '--quiet', '--json', '--out', out]);
  expect(cli.exitCode, cli.stderr).toBe(0);
  const printed = JSON.parse(cli.stdout) as Result;
  expect(resultProblems(printed)).toEqual([]);
  expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(printed);
  expect(cli.stderr).not.toContain('banner');
});

test('npm run -s compare -- A B --json: the comparison alone on stdout', async () => {
  const cli = await npm(['run', '-s', 'compare', '--', A, B, '--json']);
  expect(cli.exitCode, cli.stderr).toBe(0);
  expect(JSON.parse(cli.stdout).comparisons[0].scenario).toBe('no-body-close');
});

test("without -s: npm's banner comes first on stdout, and the command says how to keep it out", async () => {
  const cli = await npm(['run', 'compare', '--', A, B, '--json']);
  expect(cli.exitCode, cli.stderr).toBe(0);
  expect(cli.stdout).toMatch(/^\n?> timewait-lab@\S+ compare\n/);
  expect(cli.stderr).toMatch(/^compare: npm printed its banner \("> timewait-lab@\S+ compare"\) on stdout before the JSON; for the JSON alone, run npm run -s compare -- \.\.\.$/m);
});
