// The CLI through a real process: listing, bad input, exit codes.
import { describe, expect, test } from 'vitest';
import { scenarioNames } from '../../harness/scenario/catalog.ts';
import { scenarioCli } from '../support/helpers.ts';

describe('listing', () => {
  test.each([[['--list']], [[]]])('%j lists every scenario with its summary, exit 0', async (args) => {
    const cli = await scenarioCli(args);
    expect(cli.exitCode).toBe(0);
    for (const name of await scenarioNames()) expect(cli.stderr).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(cli.stdout).toBe('');
  });
});

describe('bad input: one line, exit 2, nothing started', () => {
  test('an unknown scenario names the known ones', async () => {
    const cli = await scenarioCli(['no-such-scenario']);
    expect(cli.exitCode).toBe(2);
    const names = await scenarioNames();
    expect(cli.stderr.trim()).toBe(`scenario: unknown scenario "no-such-scenario"; known scenarios: ${names.join(', ')}`);
  });

  // Every numeric option, the sysctls, --target, --listen and more: test/commands/scenario-bad-input.test.ts.
  test.each([
    [['no-body-close', '--bogus'], /unknown option '--bogus'/],
  ])('%j', async (args, message) => {
    const cli = await scenarioCli(args);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(message);
    expect(cli.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });
});

test('--help documents the options and the exit codes', async () => {
  const cli = await scenarioCli(['--help']);
  expect(cli.exitCode).toBe(0);
  for (const option of ['--requests', '--concurrency', '--body-bytes', '--interval-ms', '--out', '--json', '--list']) {
    expect(cli.stdout).toContain(option);
  }
  expect(cli.stdout).toContain('Exit status');
});

test('without ss on PATH: one line saying what to install, exit 2, nothing left running', async () => {
  const cli = await scenarioCli(['no-body-close', '--requests', '10'], { env: { PATH: '/nonexistent' } });
  expect(cli.exitCode).toBe(2);
  expect(cli.stderr.trim()).toBe(
    "scenario: 'ss' was not found on PATH: install iproute2 (apt-get install iproute2), or use the docker-compose setup",
  );
});
