// `npm run compare` given what a hostile or careless user gives it: links, a truncated file, a
// named pipe, the same result twice, a result whose strings hold terminal escapes, and 500 results
// at once. Every file skipped is named with the reason, nothing is compared with itself, no control
// character from a file reaches the terminal, and no line is wider than the terminal.
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile, link } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { compareCli, finalScreen, inTerminal, runCli } from '../support/helpers.ts';
import { fixturePath } from '../support/results-fixtures.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-compare-hostile-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const first = fixturePath('no-body-close-1.json');
const second = fixturePath('no-body-close-2.json');
const third = fixturePath('no-body-close-3-concurrency-10.json');
const readFixture = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Result;

/** Never a stack trace, and one line per problem. */
const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

describe('a folder', () => {
  test('links are followed to regular files only; every file skipped is named with why; a truncated one does not stop the rest', async () => {
    const folder = await mkdtemp(path.join(dir, 'folder-'));
    const elsewhere = await mkdtemp(path.join(dir, 'elsewhere-'));
    await copyFile(first, path.join(folder, 'a.json'));
    // A link to a result outside the folder: followed, compared.
    await copyFile(second, path.join(elsewhere, 'b.json'));
    await symlink(path.join(elsewhere, 'b.json'), path.join(folder, 'b.json'));
    await copyFile(third, path.join(folder, 'c.json'));
    const skipped = {
      'broken.json': 'a link to nothing (broken)',
      'dir-link.json': 'a link to a folder, not a result file',
      'folder.json': 'a folder, not a result file',
      'pipe.json': 'a named pipe, not a result file',
      'same-file.json': `the same file as ${path.join(folder, 'a.json')}`,
      'truncated.json': /^not JSON \(/,
    };
    await symlink(path.join(elsewhere, 'gone.json'), path.join(folder, 'broken.json'));
    await symlink(elsewhere, path.join(folder, 'dir-link.json'));
    await mkdir(path.join(folder, 'folder.json'));
    // A named pipe would be waited on for ever if it were opened.
    await execa('mkfifo', [path.join(folder, 'pipe.json')]);
    await link(path.join(folder, 'a.json'), path.join(folder, 'same-file.json'));
    const text = await readFile(third, 'utf8');
    await writeFile(path.join(folder, 'truncated.json'), text.slice(0, text.length / 2));

    const run = await compareCli([folder, '--json'], { timeout: 30_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    noStack(run.stderr);
    const { comparisons } = JSON.parse(run.stdout);
    expect(comparisons[0].runs.map((r: { file: string }) => path.basename(r.file))).toEqual(['a.json', 'b.json', 'c.json']);
    for (const [name, why] of Object.entries(skipped)) {
      const line = run.stderr.split('\n').find((l) => l.startsWith(`compare: skipped ${path.join(folder, name)}: `));
      expect(line, `${name} in:\n${run.stderr}`).toBeDefined();
      const reason = line!.slice(`compare: skipped ${path.join(folder, name)}: `.length);
      if (typeof why === 'string') expect(reason).toBe(why);
      else expect(reason).toMatch(why);
    }
  });

  test('a copy of a result (the same run) is compared once and named', async () => {
    const folder = await mkdtemp(path.join(dir, 'copies-'));
    await copyFile(first, path.join(folder, 'a.json'));
    await copyFile(first, path.join(folder, 'a-copy.json'));
    await copyFile(second, path.join(folder, 'b.json'));
    const run = await compareCli([folder, '--json'], { timeout: 30_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).comparisons[0].runs).toHaveLength(2);
    expect(run.stderr).toContain(`compare: skipped ${path.join(folder, 'a.json')}: the same run as ${path.join(folder, 'a-copy.json')} (the same result, copied)`);
  });
});

describe('a result is never compared with itself: one line, exit 2', () => {
  test.each([
    ['the same path twice', async () => [first, first], () => `compare: ${first}: the same file as ${first}`],
    [
      'a link to a file given beside it',
      async () => {
        const alias = path.join(dir, 'alias.json');
        await symlink(first, alias);
        return [first, alias];
      },
      () => `compare: ${path.join(dir, 'alias.json')}: the same file as ${first}`,
    ],
    [
      'a copy of it',
      async () => {
        const copy = path.join(dir, 'copy.json');
        await copyFile(first, copy);
        return [first, copy];
      },
      () => `compare: ${path.join(dir, 'copy.json')}: the same run as ${first} (the same result, copied)`,
    ],
  ])('%s', async (_, files, message) => {
    const run = await compareCli(await files(), { timeout: 30_000 });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toBe(message());
  });

  test('a named pipe given as a result file: one line, no wait', async () => {
    const pipe = path.join(dir, 'given-pipe.json');
    await execa('mkfifo', [pipe]);
    const run = await compareCli([first, pipe], { timeout: 30_000 });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim()).toBe(`compare: ${pipe}: a named pipe, not a result file`);
  });
});

describe('terminal escapes in a result file are shown, not obeyed', () => {
  // ESC[2J clears the screen; ESC]0;...BEL sets the terminal's title.
  const CLEAR = '\x1b[2J';
  const TITLE = '\x1b]0;pwned\x07';

  test('compare, a folder of such files, and report', async () => {
    const folder = await mkdtemp(path.join(dir, 'escapes-'));
    const crafted = await readFixture(second);
    crafted.env.cpuModel = `${CLEAR}evil CPU${TITLE}`;
    crafted.variants[0]!.description = `bad${CLEAR}`;
    const file = path.join(folder, `crafted${TITLE}.json`);
    await writeFile(file, JSON.stringify(crafted));
    await copyFile(first, path.join(folder, 'a.json'));
    await writeFile(path.join(folder, `not-json${CLEAR}.json`), '{');

    for (const args of [[first, file], [folder]]) {
      const run = await compareCli(args, { timeout: 30_000 });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
      expect(run.stderr).toContain('env.cpuModel ');
      expect(run.stderr).toContain('\\x1b[2Jevil CPU\\x1b]0;pwned\\x07');
    }
    const folderRun = await compareCli([folder], { timeout: 30_000 });
    expect(folderRun.stderr).toContain(`compare: skipped ${path.join(folder, 'not-json\\x1b[2J.json')}: not JSON (`);

    // The report's one line on stdout (its path) and its errors.
    const report = await runCli('harness/commands/report.ts', [file, '--out', path.join(folder, `r${CLEAR}.html`)], { timeout: 60_000 });
    expect(report.exitCode, report.stderr).toBe(0);
    expect(report.stdout.trim()).toBe(path.join(folder, 'r\\x1b[2J.html'));
    const bad = await runCli('harness/commands/report.ts', [path.join(folder, `not-json${CLEAR}.json`)], { timeout: 60_000 });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^report: .*not-json\\x1b\[2J\.json: not JSON \(/);
  });
});

describe('500 results', () => {
  test('no line wider than the terminal: the newest side by side, the older ones folded into their range', async () => {
    const folder = await mkdtemp(path.join(dir, 'many-'));
    const base = await readFixture(first);
    // Without the ledger's sample of whole connections (a few hundred kB a trial): 500 copies of it
    // would be over what one command reads (READ_LIMITS), and this test is about the terminal's width.
    for (const summary of base.variants.flatMap((v) => [v.summary, ...(v.trials ?? []).map((t) => t.summary)])) {
      if (summary?.connections) summary.connections.sample = [];
    }
    const start = Date.parse(base.startedAt);
    for (let i = 0; i < 500; i++) {
      const run = structuredClone(base);
      run.startedAt = new Date(start + i * 60_000).toISOString();
      run.finishedAt = new Date(start + i * 60_000 + 5_000).toISOString();
      run.variants[0]!.summary.reqPerSec = 2_000 + i;
      await writeFile(path.join(folder, `r${String(i).padStart(3, '0')}.json`), JSON.stringify(run));
    }
    const terminal = await inTerminal('harness/commands/compare.ts', [folder], { columns: 100, rows: 60, timeout: 60_000 });
    expect(terminal.exitCode, terminal.stdout).toBe(0);
    const lines = finalScreen(terminal.stdout);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    const screen = lines.join('\n');
    expect(screen).toContain('no-body-close: 500 results, oldest first');
    // The folded column holds the range of the older results' medians: 2,000 to the last folded.
    const row = lines.find((l) => l.startsWith('│ requests per second'))!;
    expect(row).toMatch(/│ 2,000–2,4\d\d\s+│/);
    expect(screen).toMatch(/#1–#4\d\d: 4\d\d older results, /);
    expect(screen).toContain('│ #500');
  });
});
