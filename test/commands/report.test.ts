// `npm run report` on bad input: one line saying what is wrong, exit 2, and no report written.
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureLabel } from '../../harness/result/figures.ts';
import { readResult } from '../../harness/result/read.ts';
import { formatCount } from '../../harness/shared/numbers.ts';
import { runCli } from '../support/helpers.ts';
import { fixturePath, v1FixturePath } from '../support/results-fixtures.ts';

const reportCli = (args: string[]) => runCli('harness/commands/report.ts', args);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'timewait-report-cli-'));
  await writeFile(path.join(dir, 'not-json.json'), 'this is not JSON\n');
  await writeFile(path.join(dir, 'not-a-result.json'), '{"schemaVersion": 1, "scenario": "no-body-close"}\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run report -- <result.json...> on bad input', () => {
  it.each([
    // The messages of readResult(), shared with npm run compare.
    ['a missing file', 'missing.json', /^report: .*missing\.json: no such file$/],
    ['a file that is not JSON', 'not-json.json', /^report: .*not-json\.json: not JSON \(Unexpected token .*\)$/],
    // It says version 1: it is checked against version 1.
    ['a file that fails the schema', 'not-a-result.json', /^report: .*not-a-result\.json: does not match result schema v1: description: .*$/],
  ])('%s: one line, exit 2, nothing written', async (_, file, message) => {
    const run = await reportCli([path.join(dir, file)]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect((await readdir(dir)).filter((f) => f.endsWith('.html') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('no file at all: the usage error names the missing argument', async () => {
    const run = await reportCli([]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("report: missing required argument 'result.json'");
  });
});

describe('npm run report -- on a version 1 result', () => {
  /** The text of the summary table's cell of `row` and `variant` in the report. */
  const cell = (html: string, row: string, variant: string) =>
    new RegExp(`<tr data-row="${row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}">.*?<td data-variant="${variant}">([^<]*)</td>`).exec(html)?.[1];
  // A folder of its own: the bad-input tests check that theirs holds no report.
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(dir, 'v1-'));
  });

  it('writes the report, with the figures version 1 had and - for what it did not count', async () => {
    const v1 = path.join(folder, 'v1.json');
    await copyFile(v1FixturePath('no-body-close-1.json'), v1);
    const run = await reportCli([v1]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(path.join(folder, 'v1.html'));
    const html = await readFile(path.join(folder, 'v1.html'), 'utf8');
    for (const variant of (await readResult(v1)).variants) {
      expect(cell(html, figureLabel('connectionsOpened'), variant.name)).toBe(formatCount(variant.summary.connectionsOpened));
      expect(cell(html, figureLabel('connectionsReset'), variant.name)).toBe('-');
      expect(cell(html, figureLabel('kernel.timeWaitReused'), variant.name)).toBe('-');
    }
  });

  it('overlays a version 1 and a version 2 result of one scenario as two runs', async () => {
    const out = path.join(folder, 'both.html');
    const run = await reportCli([v1FixturePath('no-body-close-1.json'), fixturePath('no-body-close-1.json'), '--out', out]);
    expect(run.exitCode, run.stderr).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('Sockets over time: 2 runs overlaid');
    expect(html.match(/<table class="summary" data-run="\d">/g)).toHaveLength(2);
  });
});
