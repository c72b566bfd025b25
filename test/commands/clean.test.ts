// `npm run clean` and `npm run schema`: a command line like every other command's (--help runs
// nothing, a bad option or argument is one line and exit 2), and what clean removes: the
// temporary files a killed run left, named with its PID, and only those whose process is gone.
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { JSON_SCHEMA_FILE } from '../../harness/result/json-schema.ts';
import { ROOT, runCli, scenarioCli } from '../support/helpers.ts';

const clean = (args: string[]) => runCli('harness/commands/clean.ts', args, { timeout: 30_000 });
const schema = (args: string[]) => runCli('harness/commands/schema.ts', args, { timeout: 30_000 });
const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-clean-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the command line of clean and schema', () => {
  test('clean --help shows its usage and cleans nothing', async () => {
    const cli = await clean(['--help']);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toMatch(/^Usage: npm run clean -- \[options\] \[folders\.\.\.\]/);
    expect(cli.stderr).toBe('');
  });

  test('schema --help shows its usage and does not rewrite the schema file', async () => {
    const before = (await stat(JSON_SCHEMA_FILE)).mtimeMs;
    const cli = await schema(['--help']);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toMatch(/^Usage: npm run schema -- \[options\]/);
    expect((await stat(JSON_SCHEMA_FILE)).mtimeMs).toBe(before);
  });

  test.each([
    ['clean', ['--bogus'], "clean: unknown option '--bogus'"],
    ['clean', [path.join(dir, 'missing')], `clean: ${path.join(dir, 'missing')} is not a folder; give folders that hold result files`],
    ['schema', ['--bogus'], "schema: unknown option '--bogus'"],
    ['schema', ['results/'], 'schema: too many arguments. Expected 0 arguments but got 1: results/.'],
  ] as const)('%s %j: one line, exit 2', async (command, args, message) => {
    const cli = await (command === 'clean' ? clean : schema)([...args]);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim()).toBe(message);
  });
});

/**
 * Files a run of the lab leaves when it is killed (SIGKILL) in the middle of a write: a real Node
 * process that makes them with the lab's own names (result/leftover-files.ts), as the destination
 * check and the atomic write do, then dies. Returns their names and the dead process's PID.
 */
async function leftOverByKilledRun(folder: string): Promise<{ pid: number; names: string[] }> {
  const script = `
    import { writeFileSync } from 'node:fs';
    import { probeFile, temporaryFile } from '${ROOT}/harness/result/leftover-files.ts';
    const probe = probeFile(process.argv[1]);
    for (const file of [probe, probe + '.link', temporaryFile(process.argv[1] + '/r.json')]) writeFileSync(file, '');
    process.stdout.write('made');
    setInterval(() => {}, 1000);`;
  const child = execa(process.execPath, ['--input-type=module', '-e', script, folder], { reject: false });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  child.kill('SIGKILL');
  await child;
  return { pid: child.pid!, names: (await readdir(folder)).filter((n) => n.includes(`.${child.pid}`)).sort() };
}

describe("temporary files of killed runs: removed, and nothing else", () => {
  test('npm run clean -- <folder>', async () => {
    const folder = await mkdtemp(path.join(dir, 'folder-'));
    const { pid, names } = await leftOverByKilledRun(folder);
    expect(names).toEqual([expect.stringMatching(new RegExp(`^\\.r\\.json\\.${pid}-[0-9a-f]{8}\\.tmp$`)), `.write-check.${pid}.tmp`, `.write-check.${pid}.tmp.link`]);
    // A live process's (this one's), and files that only look alike, stay.
    const kept = [`.write-check.${process.pid}.tmp`, `.r.json.${process.pid}-0badf00d.tmp`, 'r.json', `.notes.${pid}.tmp`, `write-check.${pid}.tmp`];
    for (const name of kept) await writeFile(path.join(folder, name), '');
    const cli = await clean([folder]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stderr.split('\n')[0]).toBe(`clean: removed 3 temporary files left by killed runs: ${names.map((n) => path.relative(ROOT, path.join(folder, n))).join(', ')}`);
    expect((await readdir(folder)).sort()).toEqual(kept.sort());
  });

  test('the next run removes those in its destination folder before it starts', async () => {
    const folder = await mkdtemp(path.join(dir, 'next-'));
    const { names } = await leftOverByKilledRun(folder);
    const cli = await scenarioCli(['no-body-close', '--requests', '20', '--netns', 'off', '--no-story', '--out-dir', folder]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(`removed 3 temporary files left by killed runs: ${names.map((n) => path.join(folder, n)).join(', ')}`);
    expect((await readdir(folder)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
