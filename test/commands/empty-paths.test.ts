// An empty path is bad input in every command that takes one: one line, exit 2, nothing run. Taken
// as it is, '' would be the current folder (path.resolve('') is the working directory) or "not given"
// (--out '' would silently write to the default place).
import { describe, expect, test } from 'vitest';
import { runCli } from '../support/helpers.ts';

const FIXTURE = 'test/fixtures/results/no-body-close-1.json';

describe('every path option and argument of every command refuses an empty path', () => {
  test.concurrent.each([
    ['scenario.ts', ['no-body-close', '--out', ''], /^scenario: option '--out <file>' argument '' is invalid\. expected a file name, not an empty path\.$/],
    ['scenario.ts', ['no-body-close', '--out-dir', ''], /^scenario: option '--out-dir <folder>' argument '' is invalid\. expected a folder, not an empty path\.$/],
    ['scenario.ts', ['no-body-close', '--out-dir', '  '], /^scenario: option '--out-dir <folder>' argument ' {2}' is invalid\. expected a folder, not an empty path\.$/],
    ['workshop.ts', ['--yes', '--out-dir', ''], /^workshop: option '--out-dir <folder>' argument '' is invalid\. expected a folder, not an empty path\.$/],
    ['report.ts', [''], /^report: command-argument value '' is invalid for argument 'result\.json'\. expected a result file, not an empty path\.$/],
    ['report.ts', [FIXTURE, '--out', ''], /^report: option '--out <file>' argument '' is invalid\. expected a file name, not an empty path\.$/],
    ['compare.ts', [FIXTURE, ''], /^compare: command-argument value '' is invalid for argument 'paths'\. expected a result file or folder, not an empty path\.$/],
    ['bench.ts', ['--out', ''], /^bench: option '--out <file>' argument '' is invalid\. expected a file name, not an empty path\.$/],
    ['soak.ts', ['--out', ''], /^soak: option '--out <file>' argument '' is invalid\. expected a file name, not an empty path\.$/],
    ['clean.ts', [''], /^clean: command-argument value '' is invalid for argument 'folders'\. expected a folder, not an empty path\.$/],
  ])('%s %j', async (command, args, message) => {
    const cli = await runCli(`harness/commands/${command}`, args, { timeout: 30_000 });
    expect(cli.exitCode, cli.stderr).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr.trim()).toMatch(message);
    expect(cli.stdout).toBe('');
  });
});
