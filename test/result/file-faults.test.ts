// Where the result goes, when it cannot go there: through the real CLI, on real filesystems that
// refuse the write (a read-only tmpfs, a tmpfs too small for the result). As root, chmod stops
// nothing, hence the mounts.
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { mountTmpfs, scenarioCli, tmpfsMissing } from '../support/helpers.ts';

const cannotMount = await tmpfsMissing();
const skipped = cannotMount ? ` (skipped: ${cannotMount})` : '';
const HINT = 'choose another place with --out <file> or --out-dir <folder>';
const run = (args: string[]) => scenarioCli(['no-body-close', '--quiet', '--requests', '20', '--concurrency', '5', ...args]);

describe.skipIf(cannotMount)(`a read-only filesystem: refused before the run, exit 2, nothing started${skipped}`, () => {
  let readOnly: Awaited<ReturnType<typeof mountTmpfs>>;
  beforeAll(async () => {
    readOnly = await mountTmpfs('ro,size=1m');
  });
  afterAll(() => readOnly?.unmount());

  test.each([
    ['--out', () => path.join(readOnly.dir, 'r.json'), () => readOnly.dir],
    ['--out-dir', () => readOnly.dir, () => readOnly.dir],
    ['--out-dir to be created', () => path.join(readOnly.dir, 'results'), () => path.join(readOnly.dir, 'results')],
  ])('%s', async (how, target, folder) => {
    const cli = await run([how.split(' ')[0]!, target()]);
    expect(cli.exitCode).toBe(2);
    // One line and nothing before it: no settings, no story, no run.
    expect(cli.stderr).toBe(`scenario: cannot write results to ${folder()} (EROFS: read-only file system); ${HINT}`);
    expect(cli.stdout).toBe('');
    expect(readdirSync(readOnly.dir)).toEqual([]);
  });
});

describe.skipIf(cannotMount)(`a disk too small for the result: the table still shows, exit 3, no file left${skipped}`, () => {
  // The probe before the run is an empty file and fits; a result is tens of KB (its samples), and
  // the test checks that it is indeed larger than the filesystem.
  const SIZE_BYTES = 16 * 1024;
  let full: Awaited<ReturnType<typeof mountTmpfs>>;
  beforeAll(async () => {
    full = await mountTmpfs(`size=${SIZE_BYTES}`);
  });
  afterAll(() => full?.unmount());

  test.each([
    ['--out', () => path.join(full.dir, 'r.json')],
    ['--out-dir', () => full.dir],
  ])('%s, with --json: the result still goes to stdout', async (how, target) => {
    const cli = await run([how, target(), '--json']);
    expect(cli.exitCode, cli.stderr).toBe(3);
    const lines = cli.stderr.trimEnd().split('\n');
    expect(lines).toContain('Result not written.');
    expect(cli.stderr).toContain('Verdict:');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^scenario: could not write the result to ${full.dir}/\\S+\\.json: ENOSPC: no space left on device, write$`),
    );
    const printed = JSON.parse(cli.stdout) as Result;
    expect(resultProblems(printed)).toEqual([]);
    expect(Buffer.byteLength(cli.stdout)).toBeGreaterThan(SIZE_BYTES);
    // Neither the result nor its temporary file, nor the probe.
    expect(readdirSync(full.dir)).toEqual([]);
  });
});

describe('bad destinations: one line, exit 2, before the run', () => {
  test('--out that is a folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-out-folder-'));
    try {
      const cli = await run(['--out', dir]);
      expect(cli.exitCode).toBe(2);
      expect(cli.stderr).toBe(`scenario: --out ${dir} is a folder; give a file name, or use --out-dir ${dir}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('--out that is not a file (a named pipe here; as root, /dev/null would be replaced by a file)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-out-fifo-'));
    const fifo = path.join(dir, 'pipe');
    try {
      await execa('mkfifo', [fifo]);
      const cli = await run(['--out', fifo]);
      expect(cli.exitCode).toBe(2);
      expect(cli.stderr).toBe(`scenario: --out ${fifo} is a named pipe, not a file: the result would replace it whole; give the name of a file`);
      expect(statSync(fifo).isFIFO()).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('--out and --out-dir together', async () => {
    const cli = await run(['--out', 'a.json', '--out-dir', 'b']);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim()).toBe("scenario: option '--out-dir <folder>' cannot be used with option '--out <file>'");
  });
});
