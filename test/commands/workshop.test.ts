// `npm run workshop`: driven with keystrokes on a real pseudo-terminal, and with --yes on a pipe.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAllScenarios, scenarioNames } from '../../harness/scenario/catalog.ts';
import { missingRequirements } from '../../harness/run/machine-check.ts';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { isAlive } from '../../harness/process/pids.ts';
import type { Result } from '../../harness/result/schema.ts';
import { isCrossCheck } from '../../harness/result/connections.ts';
import { tracingUnavailability } from '../../harness/observe/tracer.ts';
import { descendants, finalScreen, inTerminal, ROOT, runCli, waitForOutput } from '../support/helpers.ts';

const workshop = (args: string[]) => runCli('harness/commands/workshop.ts', args, { timeout: 280_000 });
// The catalogue in the workshop's order, and what this machine can run of it (a scenario that needs,
// say, Go is skipped where Go is missing).
const names = await scenarioNames();
const [first, second] = names as [string, string];
const missing = await missingRequirements(await loadAllScenarios());
const runnable = names.filter((name) => !missing.has(name));
const untraceable = await tracingUnavailability();
/**
 * The workshop on a terminal, driven like a presenter: each step waits until the screen shows
 * `text`, then presses `key`. Resolves with the finished run.
 */
async function present(args: string[], steps: [text: string, key: string][], rows = 40) {
  const child = inTerminal('harness/commands/workshop.ts', args, { columns: 100, rows });
  for (const [text, key] of steps) {
    await waitForOutput(child, text);
    child.stdin!.write(key);
  }
  const run = await child;
  child.stdin!.end();
  return run;
}

// A workshop writes its session under results/: whatever a test made there is removed after it,
// also when the test failed before looking at it.
const RESULTS = path.join(ROOT, 'results');
let resultsBefore = new Set<string>();
beforeEach(async () => {
  resultsBefore = new Set(await readdir(RESULTS));
});
afterEach(async () => {
  const made = (await readdir(RESULTS)).filter((name) => name.startsWith('workshop-') && !resultsBefore.has(name));
  await Promise.all(made.map((name) => rm(path.join(RESULTS, name), { recursive: true, force: true })));
});

/** The session folder the workshop named on its last line, relative to the repository. */
const sessionOf = (output: string) => path.join(ROOT, path.dirname(/Report of this session:\s+(\S+)/.exec(output)![1]!));

describe('npm run workshop', () => {
  it('pauses before each run and after it: Enter goes on, q quits and still writes the report', async () => {
    const run = await present(['--requests', '300'], [[`Run ${first}?`, '\r'], [`Next: ${second}`, 'q']], 50);
    expect(run.exitCode).toBe(0);
    const screen = finalScreen(run.stdout).map((l) => l.trimEnd());
    // The screen shows the first run: its live frames, the table, then the goodbye and the report.
    const firstScenario = (await loadAllScenarios()).find((sc) => sc.name === first)!;
    expect(screen.filter((l) => l.startsWith('■ '))).toHaveLength(firstScenario.variants.length);
    expect(screen).toContain('Stopped by the presenter.');
    expect((await readdir(sessionOf(screen.join('\n')))).sort()).toEqual([`${first}.json`, 'report.html']);
    // Nothing of the second scenario ran.
    expect(run.stdout).not.toContain(`${second}: 300 requests per variant`);
  });

  it('q at the first pause quits before anything runs', async () => {
    const run = await present([], [[`Run ${first}?`, 'q']]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Stopped by the presenter.');
    expect(run.stdout).not.toContain('requests per variant');
    expect(run.stdout).not.toContain('Report of this session');
  });

  it('Ctrl-C during a run stops the run, once, and the workshop: exit 130, the report holds what had finished', async () => {
    // Stopped during the first scenario's second variant. The scenario CLI gets the Ctrl-C once,
    // from the workshop (twice would stop it at once, without the variant that had finished).
    const scenario = (await loadAllScenarios()).find((sc) => sc.name === first)!;
    const [done, running] = [scenario.variants[0]!, scenario.variants[1]!];
    const run = await present(['--requests', '2000'], [[`Run ${first}?`, '\r'], [`${running.name} (${running.role}), running`, '\x03']]);
    expect(run.exitCode).toBe(130);
    const screen = finalScreen(run.stdout).map((l) => l.trimEnd());
    expect(screen).toContain('scenario: interrupted by SIGINT; stopping the variant that runs (Ctrl-C again: at once)');
    expect(screen).toContain('workshop: interrupted by SIGINT');
    const session = sessionOf(screen.join('\n'));
    const result = JSON.parse(await readFile(path.join(session, `${first}.json`), 'utf8')) as Result;
    expect(result.variants.map((v) => [v.name, v.status])).toEqual([[done.name, 'complete']]);
    expect((await readdir(session)).sort()).toEqual([`${first}.json`, 'report.html']);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to the workshop itself (kill): the run going on stops at once, the report holds what had run, exit %i', async (signal, exitCode) => {
    // The first runnable scenario, stopped during its second variant: its first one had finished.
    const scenario = (await loadAllScenarios()).find((sc) => sc.name === runnable[0])!;
    const [done, running] = [scenario.variants[0]!, scenario.variants[1]!];
    const run = workshop(['--yes', '--requests', '2000']);
    let stderr = '';
    run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      run.stderr!.on('data', () => stderr.includes(`\n> ${running.name} (`) && resolve());
      void run.then(() => reject(new Error(`the workshop ended first:\n${stderr}`)));
    });
    const started = await descendants(run.pid!);
    const scenarioCli = started.find((p) => p.command.includes('harness/commands/scenario.ts'))!;
    run.kill(signal);
    const ended = await run;

    expect(ended.exitCode, stderr).toBe(exitCode);
    expect(stderr).toContain(`scenario: interrupted by ${signal}; stopping the variant that runs`);
    expect(stderr).toContain(`workshop: interrupted by ${signal}`);
    for (const p of started) expect(await isAlive(p.pid), p.command).toBe(false);
    expect(await namespacesOf(scenarioCli.pid)).toEqual([]);
    // Nothing after the interrupted scenario ran; what it had finished is in the session's report.
    expect(stderr).not.toContain(`${runnable[1]}: 2000 requests per variant`);
    const session = sessionOf(stderr);
    expect((await readdir(session)).sort()).toEqual([`${scenario.name}.json`, 'report.html']);
    const result = JSON.parse(await readFile(path.join(session, `${scenario.name}.json`), 'utf8')) as Result;
    expect(result.status).toBe('interrupted');
    expect(result.variants.map((v) => v.name)).toEqual([done.name]);
    // The variants that never finished: their claims are not checked, rather than failed against nothing.
    const unrun = scenario.claims.filter((c) => c.variant !== done.name);
    expect(unrun.length).toBeGreaterThan(0);
    expect(result.claims.filter((c) => c.variant !== done.name)).toEqual([]);
    expect(result.claimsNotChecked?.filter((c) => c.variant !== done.name)).toHaveLength(unrun.length);
    expect(await readFile(path.join(session, 'report.html'), 'utf8')).toContain(scenario.name);
  });

  it('--yes walks through every scenario in order without a terminal, then writes one report of the session in --out-dir; every traced count agrees with the kernel\'s', { timeout: 300_000 }, async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'twlab-workshop-'));
    // --no-drain: steady-state's misconfigured variant would otherwise sample its drain for a minute.
    const run = await workshop(['--yes', '--out-dir', outDir, '--requests', '300', '--no-drain']);
    expect(run.exitCode, run.stderr).toBe(0);
    for (const name of missing.keys()) expect(run.stderr).toContain(`Skipping ${name} here: it needs`);
    const order = runnable.map((name) => run.stderr.indexOf(`${name}: 300 requests per variant`));
    expect(order.every((at) => at > -1)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(run.stderr).not.toContain('\x1b');
    expect(path.dirname(sessionOf(run.stderr))).toBe(outDir);
    expect((await readdir(sessionOf(run.stderr))).sort()).toEqual([...runnable.map((name) => `${name}.json`), 'report.html'].sort());
    // Every scenario of the catalogue: its traced counts agree with the kernel's and the server's
    // (result/connections.ts: traced opens = accepted = client ActiveOpens; TIME_WAIT entries = TcpExt TW).
    for (const name of runnable) {
      const result = JSON.parse(await readFile(path.join(sessionOf(run.stderr), `${name}.json`), 'utf8')) as Result;
      for (const variant of result.variants) {
        const { connections } = variant.summary;
        expect(connections?.traced, `${name}/${variant.name}: ${connections?.whyNotTraced}`).toBe(untraceable === null);
        expect(variant.exactCountMismatches.filter((m) => isCrossCheck(m.figure)), `${name}/${variant.name}`).toEqual([]);
      }
    }
    await rm(outDir, { recursive: true, force: true });
  });

  it('options with which no scenario can run are refused before the first story, in one line', async () => {
    const run = await workshop(['--yes', '--target', 'http://127.0.0.1:1/']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^workshop: no scenario can run here with these options: abortive-close: .*; no-body-close: --target http:\/\/127\.0\.0\.1:1\/ cannot be reached \(connect ECONNREFUSED 127\.0\.0\.1:1\); start the server or check the URL; /);
  });

  it('without a terminal and without --yes: a one-line usage error, exit 2', async () => {
    const run = await workshop([]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('workshop: pausing needs a terminal to read Enter or q from; run with --yes to go through without pauses');
  });

  it('a bad scenario option is refused up front, in the scenario CLI\'s words', async () => {
    const run = await workshop(['--yes', '--requests', 'lots']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("workshop: option '--requests <n>' argument 'lots' is invalid. expected a whole number from 1 to 200,000.");
  });

  it('options the workshop sets itself are refused', async () => {
    const run = await workshop(['--yes', '--out', 'x.json']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^workshop: --out is set by the workshop itself; it accepts --yes, --out-dir and the scenario run options/);
  });
});
