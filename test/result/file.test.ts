// Result files: written whole or not at all, read back only through the schema, one line per bad input.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { EXIT } from '../../harness/shared/errors.ts';
import { checkDestination, resultFileName, writeResult } from '../../harness/result/file.ts';
import { readResult, readResultFolder, resultFileProblem } from '../../harness/result/read.ts';
import { SCHEMA_VERSION, type Result } from '../../harness/result/schema.ts';
import { fixturePath, loadFixture, v1FixturePath } from '../support/results-fixtures.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'timewait-lab-result-file-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const freshDir = () => mkdtempSync(path.join(dir, 'write-'));

test('names sort by time and say the scenario', () => {
  const name = resultFileName({ scenario: 'tiny-pool', startedAt: '2026-11-23T22:10:05.123Z' });
  expect(name).toBe('2026-11-23T22-10-05-123Z-tiny-pool.json');
  expect([resultFileName({ scenario: 'a', startedAt: '2026-11-24T00:00:00.000Z' }), name].sort()[0]).toBe(name);
});

test('an invalid result is refused, naming the field, and nothing is left on disk', async () => {
  const target = freshDir();
  const broken = { schemaVersion: SCHEMA_VERSION, scenario: 'x' } as unknown as Result;
  await expect(writeResult(broken, { file: path.join(target, 'r.json') })).rejects.toThrow(/refusing to write an invalid result: .*description/);
  expect(readdirSync(target)).toEqual([]);
});

test('a folder that cannot be written gets one clear error and no temporary file', async () => {
  const target = path.join(freshDir(), 'file-not-dir');
  await import('node:fs/promises').then((fs) => fs.writeFile(target, 'x'));
  const real = { ...JSON.parse(readFileSync(new URL('../fixtures/result-no-body-close.json', import.meta.url), 'utf8')), schemaVersion: SCHEMA_VERSION } as Result;
  await expect(writeResult(real, { file: path.join(target, 'r.json') })).rejects.toThrow(/could not write the result to .*r\.json/);
});

const { result } = await loadFixture('no-body-close-1.json');

describe('two results with the same name', () => {
  test('into a folder: each run keeps its own file, the second gets -2, the third -3', async () => {
    const folder = freshDir();
    const other = { ...result, verdict: 'another run' };
    const files = [await writeResult(result, { folder }), await writeResult(other, { folder }), await writeResult(result, { folder })];
    const name = resultFileName(result).replace(/\.json$/, '');
    expect(files.map((f) => path.basename(f))).toEqual([`${name}.json`, `${name}-2.json`, `${name}-3.json`]);
    expect(readdirSync(folder).sort()).toEqual([`${name}-2.json`, `${name}-3.json`, `${name}.json`]);
    expect((await readResult(files[0]!)).verdict).toBe(result.verdict);
    expect((await readResult(files[1]!)).verdict).toBe('another run');
  });

  test('written at the same time into one folder: as many files as results', async () => {
    const folder = freshDir();
    const files = await Promise.all(Array.from({ length: 5 }, () => writeResult(result, { folder })));
    expect(new Set(files).size).toBe(5);
    expect(readdirSync(folder)).toHaveLength(5);
  });

  test('--out names the file: it is replaced', async () => {
    const file = path.join(freshDir(), 'mine.json');
    await writeResult(result, { file });
    await writeResult({ ...result, verdict: 'again' }, { file });
    expect(readdirSync(path.dirname(file))).toEqual(['mine.json']);
    expect((await readResult(file)).verdict).toBe('again');
  });
});

describe('checkDestination: before a run, one line and exit 2 where no result could be written', () => {
  test('folders to be made: fine, and nothing is left (a run that writes nothing leaves nothing)', async () => {
    const base = freshDir();
    await checkDestination({ folder: path.join(base, 'new', 'results') });
    await checkDestination({ file: path.join(base, 'other', 'r.json') });
    expect(readdirSync(base)).toEqual([]);
  });

  test('a folder that exists stays, with nothing new in it', async () => {
    const folder = freshDir();
    await writeFile(path.join(folder, 'kept.json'), '{}');
    await checkDestination({ folder });
    expect(readdirSync(folder)).toEqual(['kept.json']);
  });

  test('a folder that is a file', async () => {
    const file = path.join(freshDir(), 'file-not-dir');
    await writeFile(file, 'x');
    await expect(checkDestination({ folder: file })).rejects.toMatchObject({
      message: `cannot write results to ${file} (ENOTDIR: not a directory); choose another place with --out <file> or --out-dir <folder>`,
      exitCode: EXIT.usage,
    });
  });

  test('--out that is a folder', async () => {
    const folder = freshDir();
    await expect(checkDestination({ file: folder })).rejects.toMatchObject({
      message: `--out ${folder} is a folder; give a file name, or use --out-dir ${folder}`,
      exitCode: EXIT.usage,
    });
  });
});
const withChange = (change: (r: Record<string, any>) => void) => {
  const copy = structuredClone(result) as Record<string, any>;
  change(copy);
  return copy;
};

describe('resultFileProblem', () => {
  test('a real result has none', () => {
    expect(resultFileProblem(result)).toBeNull();
  });

  test.each([
    ['an array', [1], 'not a timewait-lab result (it has no schemaVersion)'],
    ['an object without schemaVersion', { kind: 'bench' }, 'not a timewait-lab result (it has no schemaVersion)'],
    [
      'a newer schema version',
      withChange((r) => (r.schemaVersion = 4)),
      'result schema version 4, written by a newer timewait-lab: update this one to read it (this lab reads versions 1, 2 and 3)',
    ],
    [
      'an older schema version',
      withChange((r) => (r.schemaVersion = 0)),
      'result schema version 0, written by an older timewait-lab: run the scenario again to compare with it (this lab reads versions 1, 2 and 3)',
    ],
    [
      'a version that is not a number',
      withChange((r) => (r.schemaVersion = '2')),
      'result schema version "2", which is not a version number (this lab reads versions 1, 2 and 3)',
    ],
  ])('%s', (_, value, problem) => {
    expect(resultFileProblem(value)).toBe(problem);
  });

  test('a malformed result names the field', () => {
    expect(resultFileProblem(withChange((r) => (r.variants[0].summary.connectionsOpened = 'many')))).toBe(
      'does not match result schema v3: variants.0.summary.connectionsOpened: Invalid input: expected number, received string',
    );
    expect(resultFileProblem(withChange((r) => delete r.env.sysctl.somaxconn))).toMatch(
      /^does not match result schema v3: env\.sysctl\.somaxconn: Invalid input/,
    );
    expect(resultFileProblem(withChange((r) => (r.variants[1].trials = [])))).toMatch(/^does not match result schema v3: variants\.1\.trials: /);
    expect(resultFileProblem(withChange((r) => (r.params.colour = 'blue')))).toMatch(/^does not match result schema v3: params: Unrecognized key: "colour"/);
  });

  test('a version 1 result is checked against version 1; one that says version 2 must have what version 2 requires', async () => {
    const v1 = JSON.parse(readFileSync(v1FixturePath('no-body-close-1.json'), 'utf8'));
    expect(resultFileProblem(v1)).toBeNull();
    v1.variants[0].summary.connectionsOpened = 'many';
    expect(resultFileProblem(v1)).toBe('does not match result schema v1: variants.0.summary.connectionsOpened: Invalid input: expected number, received string');
    expect(resultFileProblem(withChange((r) => delete r.status))).toMatch(/^does not match result schema v3: status: Invalid option/);
    expect(resultFileProblem(withChange((r) => (r.variants[0].summary.connectionsReset = undefined)))).toMatch(
      /^does not match result schema v3: variants\.0\.summary\.connectionsReset: Invalid input/,
    );
  });

  test('several problems: the first, and how many more', () => {
    const broken = withChange((r) => {
      r.env.cpus = -1;
      r.params.repeat = 0;
      r.verdict = 7;
    });
    expect(resultFileProblem(broken)).toMatch(/^does not match result schema v3: env\.cpus: .+ \(and 2 more problems\)$/);
  });
});

describe('readResult', () => {
  const expectUsageError = async (file: string, message: string) => {
    const error = await readResult(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ message, exitCode: EXIT.usage });
    expect(message).not.toContain('\n');
  };

  test('a missing file', async () => {
    await expectUsageError(path.join(dir, 'missing.json'), `${path.join(dir, 'missing.json')}: no such file`);
  });

  test('a file that is not JSON', async () => {
    const file = path.join(dir, 'not-json.json');
    await writeFile(file, 'no\nway\n');
    await expectUsageError(file, `${file}: not JSON (Unexpected token 'o', "no way " is not valid JSON)`);
  });

  test('a result of another schema version', async () => {
    const file = path.join(dir, 'v4.json');
    await writeFile(file, JSON.stringify(withChange((r) => (r.schemaVersion = 4))));
    await expectUsageError(file, `${file}: result schema version 4, written by a newer timewait-lab: update this one to read it (this lab reads versions 1, 2 and 3)`);
  });

  test('a real result reads back as it was written', async () => {
    const file = await writeResult(result, { folder: await mkdtemp(path.join(dir, 'read-')) });
    expect(path.basename(file)).toBe(`${result.startedAt.replaceAll(':', '-').replace('.', '-')}-no-body-close.json`);
    expect(await readResult(file)).toEqual(result);
  });
});

describe('readResultFolder', () => {
  test('reads the results of either version, in the current one, and skips JSON that is not a scenario result', async () => {
    const folder = await mkdtemp(path.join(dir, 'folder-'));
    await copyFile(fixturePath('no-body-close-1.json'), path.join(folder, 'a.json'));
    await copyFile(v1FixturePath('tiny-pool.json'), path.join(folder, 'b.json'));
    await writeFile(path.join(folder, 'bench-2026.json'), JSON.stringify({ kind: 'bench' }));
    await writeFile(path.join(folder, 'notes.txt'), 'not json at all');
    const { results, skipped } = await readResultFolder(folder);
    expect(results.map((r) => [r.result.scenario, r.result.schemaVersion])).toEqual([
      ['no-body-close', SCHEMA_VERSION],
      ['tiny-pool', SCHEMA_VERSION],
    ]);
    expect(skipped).toEqual([{ file: path.join(folder, 'bench-2026.json'), why: 'not a scenario result (a "bench" file)' }]);
  });

  test('a result in the folder that fails the schema is skipped, with the reason', async () => {
    const folder = await mkdtemp(path.join(dir, 'folder-'));
    await writeFile(path.join(folder, 'old.json'), JSON.stringify(withChange((r) => (r.schemaVersion = 0))));
    const { results, skipped } = await readResultFolder(folder);
    expect(results).toEqual([]);
    expect(skipped).toEqual([{ file: path.join(folder, 'old.json'), why: expect.stringMatching(/^result schema version 0, written by an older/) }]);
  });
});
