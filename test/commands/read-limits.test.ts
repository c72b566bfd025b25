// What compare and report read has stated limits (harness/result/read.ts READ_LIMITS), each refused
// in one line, exit 2, before the file is parsed: a result of more variants than a result holds, a
// file just over the size a result can be, a folder of more files than one command reads. And
// measure, which writes results, refuses more clients than a result holds. The files are generated
// from a committed fixture (a real run's result).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { READ_LIMITS } from '../../harness/result/read.ts';
import { MAX_VARIANTS, type Result } from '../../harness/result/schema.ts';
import { compareCli, measureCli, runCli } from '../support/helpers.ts';
import { fixturePath } from '../support/results-fixtures.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-read-limits-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const reportCli = (args: string[]) => runCli('harness/commands/report.ts', args, { timeout: 30_000 });
const fixture = JSON.parse(await readFile(fixturePath('no-body-close-1.json'), 'utf8')) as Result;
const second = fixturePath('no-body-close-2.json');

/** One line on stderr, exit 2, matching `message`. */
const refused = (cli: { exitCode?: number; stderr: unknown }, message: RegExp) => {
  expect(cli.exitCode, String(cli.stderr)).toBe(2);
  expect(String(cli.stderr).trim().split('\n')).toEqual([expect.stringMatching(message)]);
};

describe('a result of more variants than a result holds', () => {
  const file = path.join(dir, 'many-variants.json');
  const variant = fixture.variants[0]!;
  const many = { ...fixture, variants: Array.from({ length: MAX_VARIANTS + 1 }, (_, i) => ({ ...variant, name: `v${i}` })) };
  const written = writeFile(file, JSON.stringify(many));

  test.each([
    ['compare', () => compareCli([file, second], { timeout: 30_000 })],
    ['report', () => reportCli([file])],
  ])('%s: refused in one line', async (command, run) => {
    await written;
    refused(await run(), new RegExp(`^${command}: .*many-variants\\.json: ${MAX_VARIANTS + 1} variants, more than the ${MAX_VARIANTS} a result holds; not read$`));
  });
});

describe('a file just over the size a result can be', () => {
  const file = path.join(dir, 'large.json');
  // Valid JSON (white space after the value), one byte over the limit.
  const text = JSON.stringify(fixture);
  const written = writeFile(file, text + ' '.repeat(READ_LIMITS.fileBytes + 1 - Buffer.byteLength(text)));

  test.each([
    ['compare', () => compareCli([file, second], { timeout: 30_000 })],
    ['report', () => reportCli([file])],
  ])('%s: refused in one line, not read', async (command, run) => {
    await written;
    refused(await run(), new RegExp(`^${command}: .*large\\.json: 32 MB, larger than the 32 MB a result file can be .*; not read$`));
  });
});

test('compare: a folder of more files than one command reads is refused before any is read', async () => {
  const folder = path.join(dir, 'crowded');
  await mkdir(folder);
  await Promise.all(Array.from({ length: READ_LIMITS.files + 1 }, (_, i) => writeFile(path.join(folder, `${i}.json`), '{}')));
  refused(await compareCli([folder], { timeout: 30_000 }), new RegExp(`^compare: .*crowded: ${READ_LIMITS.files + 1} result files, more than the ${READ_LIMITS.files} one command reads`));
});

test('measure: more clients than a result holds is refused before anything starts', async () => {
  const clients = Array.from({ length: MAX_VARIANTS + 1 }, (_, i) => ['--client', `c${i}=true`]).flat();
  refused(await measureCli(clients, { timeout: 30_000 }), new RegExp(`^measure: ${MAX_VARIANTS + 1} clients: one measurement runs at most ${MAX_VARIANTS} `));
});
