// Ctrl-C, SIGTERM or SIGHUP (a closed terminal) in the middle of a run: the server and client
// processes end, the run's network namespaces are deleted; the variants that had finished are
// written, marked interrupted, and nothing is written when none had.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { isAlive } from '../../harness/process/pids.ts';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { descendants, inTerminal, namespacesMissing, startScenarioCli, waitForOutput } from '../support/helpers.ts';

const withNamespaces = (await namespacesMissing()) === null;

/** Requests per variant: so many that the first variant is still running at the signal; a count the fix finishes before it. */
const REQUESTS = { bad: 200_000, good: 1_500 };

/** Runs no-body-close and sends `signal` once `variant` has started; returns the end, the folder's files and what the run had started. */
async function interruptDuring(variant: keyof typeof REQUESTS, signal: NodeJS.Signals, netns: string[] = []) {
  const outDir = await mkdtemp(path.join(tmpdir(), 'twlab-interrupt-'));
  const run = startScenarioCli(['no-body-close', '--requests', String(REQUESTS[variant]), '--concurrency', '20', '--no-story', ...netns, '--out', path.join(outDir, 'r.json')]);
  await run.waitForStderr(`\n> ${variant}`);
  const started = await descendants(run.cli.pid!);
  expect(started.some((p) => p.command.includes('servers/http-server.ts'))).toBe(true);
  // The sampler's ss helper (harness/stage/ss-helper.ts) is among what must end.
  expect(started.some((p) => p.command.includes('harness/entries/ss-helper.sh'))).toBe(true);
  // Where namespaces can be made, the run has its pair (auto): they must be gone after the signal.
  expect(await namespacesOf(run.cli.pid)).toHaveLength(withNamespaces && netns.length === 0 ? 2 : 0);
  run.cli.kill(signal);
  const cli = await run.cli;
  for (const p of started) expect(await isAlive(p.pid), p.command).toBe(false);
  expect(await namespacesOf(run.cli.pid)).toEqual([]);
  return { cli, outDir, files: await readdir(outDir) };
}

test.each([
  ['SIGINT', 130, []],
  ['SIGTERM', 143, []],
  // On loopback too: the ss helper that reads the shared socket table ends with the rest.
  ['SIGINT', 130, ['--netns', 'off']],
] as const)('%s during the first variant stops everything, writes nothing, exits %i %j', async (signal, exitCode, netns) => {
  const { cli, files } = await interruptDuring('bad', signal, [...netns]);
  expect(cli.exitCode).toBe(exitCode);
  expect(cli.stderr).toContain(`interrupted by ${signal}`);
  expect(String(cli.stderr).trim().split('\n').at(-1)).toBe('scenario: no result written: no variant had finished');
  expect(files).toEqual([]);
});

test.each([
  ['SIGINT', 130],
  // A closed terminal or a dropped SSH session: stopped like SIGTERM, its own exit code.
  ['SIGHUP', 129],
] as const)('%s during the fix: the misconfigured variant that had finished is written, marked interrupted, exit %i', async (signal, exitCode) => {
  const { cli, outDir, files } = await interruptDuring('good', signal);
  expect(cli.exitCode).toBe(exitCode);
  expect(cli.stderr).toContain(`scenario: interrupted by ${signal}; stopping the variant that runs`);
  expect(files).toEqual(['r.json']); // whole: no temporary file beside it
  const result = JSON.parse(await readFile(path.join(outDir, 'r.json'), 'utf8')) as Result;
  expect(resultProblems(result)).toEqual([]);
  expect(result.status).toBe('interrupted');
  expect(result.variants.map((v) => [v.name, v.status])).toEqual([['bad', 'complete']]);
  expect(result.variants[0]!.summary.requests.ok).toBe(REQUESTS.good);
  expect(result.verdict).toBe('no verdict: the run was interrupted during variant good');
  // The fix never ran: its claims are not checked, rather than failed against nothing.
  expect(result.claims.filter((c) => c.variant === 'good')).toEqual([]);
  expect(result.claimsNotChecked?.filter((c) => c.variant === 'good').map((c) => c.text)).toContain(
    'good: connections the server accepted: not checked, the run was interrupted before it was measured',
  );
});

test('the terminal closing during the fix (the kernel sends SIGHUP): nothing left running, no namespace, the finished variant written', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'twlab-hangup-'));
  const terminal = inTerminal('harness/commands/scenario.ts', ['no-body-close', '--requests', '2000', '--concurrency', '20', '--no-story', '--out', path.join(outDir, 'r.json')]);
  await waitForOutput(terminal, 'good (fix), running');
  const started = await descendants(terminal.pid!);
  const cli = started.find((p) => p.command.includes('harness/commands/scenario.ts'))!;
  expect(await namespacesOf(cli.pid)).toHaveLength(withNamespaces ? 2 : 0);
  // The terminal goes away as a closed window or a dropped SSH session takes it: its master side closes.
  terminal.kill('SIGKILL');
  await terminal;
  await expect.poll(() => isAlive(cli.pid), { timeout: 30_000 }).toBe(false);
  for (const p of started) expect(await isAlive(p.pid), p.command).toBe(false);
  expect(await namespacesOf(cli.pid)).toEqual([]);
  const result = JSON.parse(await readFile(path.join(outDir, 'r.json'), 'utf8')) as Result;
  expect(result.status).toBe('interrupted');
  expect(result.variants.map((v) => [v.name, v.status])).toEqual([['bad', 'complete']]);
});

test('SIGTERM while a complete result and its report are written: the exit is the verdict\'s, the status complete, both files whole', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'twlab-late-signal-'));
  const run = startScenarioCli(['no-body-close', '--requests', '50', '--netns', 'off', '--no-story', '--report', '--out', path.join(outDir, 'r.json')]);
  // The table is drawn once the result is written; the report comes after it.
  await run.waitForStderr('Verdict:');
  run.cli.kill('SIGTERM');
  const cli = await run.cli;
  expect(cli.stderr).toContain('interrupted by SIGTERM');
  const result = JSON.parse(await readFile(path.join(outDir, 'r.json'), 'utf8')) as Result;
  expect(resultProblems(result)).toEqual([]);
  expect(result.status).toBe('complete');
  expect(cli.exitCode, cli.stderr).toBe(result.claims.every((c) => c.held) ? 0 : 1);
  expect((await readdir(outDir)).sort()).toEqual(['r.html', 'r.json']);
  expect((await readFile(path.join(outDir, 'r.html'), 'utf8')).trimEnd()).toMatch(/<\/html>$/);
});
