// `npm run soak` through the real CLI, shortened for CI: a few iterations of two scenarios, one in
// namespaces and one on loopback. What it asserts is physics, not figures of one run: file
// descriptors identical at every boundary, no process or namespace left, exact counts identical
// across iterations and equal to what the load constructs.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { soakReportProblems, type SoakReport } from '../../harness/soak/schema.ts';
import { labProcesses } from '../support/global-setup.ts';
import { namespacesMissing, ROOT } from '../support/helpers.ts';

const REQUESTS = 200;
const noNamespaces = await namespacesMissing();

const { scripts } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
/**
 * The npm script, `NODE_COMPILE_CACHE=... node harness/commands/soak.ts`: its environment,
 * its Node options and its entry (by full path, as the suite's teardown looks for it).
 */
const words = scripts.soak!.split(' ');
const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=', 2) as [string, string]));
const [, ...nodeOptions] = words.filter((w) => !/^[A-Z_]+=/.test(w));
const entry = path.join(ROOT, nodeOptions.pop()!);

/** `npm run soak -- ...args` without npm: the script's own environment, Node options and entry, on this Node. */
const soakCli = (args: string[]) => execa(process.execPath, [...nodeOptions, entry, ...args], { cwd: ROOT, env, reject: false, stdin: 'ignore', timeout: 90_000 });

async function untilNoLabProcesses() {
  for (let i = 0; i < 50 && (await labProcesses()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await labProcesses()).toEqual([]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-soak-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a short soak: no-body-close (namespaces when permitted) and keepalive-disabled on loopback', () => {
  let run: Awaited<ReturnType<typeof soakCli>>;
  let report: SoakReport;
  const out = () => path.join(dir, 'soak.json');

  beforeAll(async () => {
    const cli = soakCli(['--scenarios', 'no-body-close,keepalive-disabled@loopback', '--requests', String(REQUESTS), '--iterations', '5', '--out', out()]);
    run = await cli;
    report = JSON.parse(await readFile(out(), 'utf8')) as SoakReport;
    expect(await namespacesOf(cli.pid)).toEqual([]);
  }, 90_000);

  it('ends flat (exit 0), with a table and the verdict on stderr and a report its schema accepts', async () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Verdict: flat\. 5 iterations in [\d.]+ min: every check held\.$/m);
    expect(soakReportProblems(report)).toEqual([]);
    expect(report.flat).toBe(true);
    expect(report.checks.filter((c) => !c.held)).toEqual([]);
    expect(await readdir(dir)).toEqual(['soak.json']);
  });

  it('ran the entries round after round, each in the topology asked for', () => {
    const first = noNamespaces ? 'no-body-close@loopback' : 'no-body-close@namespaces';
    expect(report.iterations.map((i) => i.entry)).toEqual([first, 'keepalive-disabled@loopback', first, 'keepalive-disabled@loopback', first]);
  });

  it('left no process and no namespace after any iteration, and saw them while variants ran', () => {
    for (const i of report.iterations) {
      expect(i.after.processes, `after iteration ${i.iteration}`).toBe(0);
      expect(i.after.namespaces, `after iteration ${i.iteration}`).toEqual([]);
      // The server at least; in namespaces also the agent in the client's namespace, and both namespaces.
      expect(i.during.processes).toBeGreaterThanOrEqual(i.topology === 'namespaces' ? 2 : 1);
      expect(i.during.namespaces).toBe(i.topology === 'namespaces' ? 2 : 0);
    }
  });

  it('kept the same file descriptors after every iteration', () => {
    const [first, ...rest] = report.iterations.map((i) => i.after);
    for (const after of rest) expect(after.fdKinds).toEqual(first!.fdKinds);
  });

  it('counted the same exact counts every time: one connection per request for the misconfigured clients, one per worker for the fixes', () => {
    for (const i of report.iterations) {
      for (const v of i.variants) {
        const expected = v.role === 'misconfigured' ? REQUESTS : i.load.concurrency;
        expect(v.exactCounts, `${i.entry} ${v.name}`).toEqual({ connectionsOpened: expected, requestsServed: REQUESTS, 'requests.ok': REQUESTS });
        expect(v.errorsByCode).toEqual({});
        expect(v.status).toBe('complete');
        // In namespaces each side's kernel counts only this variant's connections, and agrees with the
        // server; on loopback there is no namespace of the variant's own to count.
        const inNamespaces = i.topology === 'namespaces';
        expect(v.kernelOpens).toEqual(inNamespaces ? { client: expected, server: expected } : null);
        expect(v.namespaceTimeWaitPeak === null, `${i.entry} ${v.name}`).toBe(!inNamespaces);
        expect(v.namespaceTimeWaitPeak?.client ?? 0).toBeLessThanOrEqual(expected);
      }
    }
  });
});

describe('a soak interrupted while a variant runs', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('on %s: exits %i, stops its processes, deletes its namespaces, writes no report', async (signal, code) => {
    const out = path.join(dir, `${signal}.json`);
    const cli = soakCli(['--scenarios', 'no-body-close', '--requests', '200000', '--iterations', '3', '--out', out]);
    // A variant runs once its server process does.
    const serverRuns = async () => (await labProcesses()).some((p) => p.includes('servers/http-server.ts'));
    while (!(await serverRuns())) await new Promise((r) => setTimeout(r, 50));
    cli.kill(signal);
    const run = await cli;
    expect(run.exitCode, `${run.signal} ${run.stderr} ${run.message}`).toBe(code);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(`soak: interrupted by ${signal} after 0 iterations; stopping its processes, no report written`);
    expect(await namespacesOf(cli.pid)).toEqual([]);
    await untilNoLabProcesses();
    expect(await readdir(dir)).not.toContain(`${signal}.json`);
  });
});

describe('npm run soak with bad input', () => {
  test.each([
    [['--minutes', '0'], "soak: option '--minutes <m>' argument '0' is invalid. expected a number of minutes above 0 and at most 240, e.g. 10 or 0.5."],
    [['--iterations', '2'], "soak: option '--iterations <n>' argument '2' is invalid. expected a whole number from 3 to 100,000."],
    [['--scenarios', 'no-body-close@moon'], `soak: option '--scenarios <list>' argument 'no-body-close@moon' is invalid. "no-body-close@moon": expected <scenario>, <scenario>@namespaces or <scenario>@loopback.`],
    [['--scenarios', 'nope'], 'soak: unknown scenario "nope"; known scenarios: '],
    [['--scenarios', 'port-exhaustion@loopback'], 'soak: port-exhaustion@loopback: scenario port-exhaustion sets sysctls'],
  ])('%j: one line, exit 2, nothing run', async (args, message) => {
    const run = await soakCli([...args, '--out', path.join(dir, 'bad.json')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim().startsWith(message), run.stderr).toBe(true);
    expect(await readdir(dir)).not.toContain('bad.json');
  });
});
