// `npm run bench -- --quick` through the real CLI, as CI runs it: it must run, leave nothing behind
// and write a bench file its schema accepts. Its timings are figures, not assertions; the counts
// it reports are physics and are checked.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchProblems, type BenchResult, type RateRun } from '../../bench/bench-schema.ts';
import { WAYS } from '../../bench/socket-table-ways.ts';
import { formatCount } from '../../harness/shared/numbers.ts';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { labProcesses } from '../support/global-setup.ts';
import { namespacesMissing, runCli } from '../support/helpers.ts';
import { tracingUnavailability } from '../../harness/observe/tracer.ts';

const unavailable = await tracingUnavailability();

const benchCli = (args: string[]) => runCli('harness/commands/bench.ts', args, { timeout: 120_000 });

/** Resolves once the bench has written `text` on stderr. */
function untilStderr(run: ReturnType<typeof benchCli>, text: string): Promise<void> {
  return new Promise<void>((resolve) => {
    let seen = '';
    run.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
  });
}

describe('npm run bench -- --quick', () => {
  let dir: string;
  let file: string;
  let run: Awaited<ReturnType<typeof benchCli>>;
  let pid: number | undefined;
  let bench: BenchResult;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'twl-bench-test-'));
    file = path.join(dir, 'bench.json');
    const subprocess = benchCli(['--quick', '--out', file]);
    pid = subprocess.pid;
    run = await subprocess;
    bench = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs, prints the targets on stderr and writes a bench file the schema accepts', () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Targets:$/m);
    expect(benchProblems(bench)).toEqual([]);
    expect(bench.quick).toBe(true);
    expect(bench.targets.map((t) => t.met)).not.toContain(null);
  });

  it('leaves no network namespace and no temporary file behind', async () => {
    expect(await namespacesOf(pid)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['bench.json']);
  });

  it("measured the sampler among the pile the lab's bad client made, every way finding the same counts", () => {
    const [size] = bench.sampler!.sizes;
    expect(size!.timeWait.clientSide).toBeGreaterThanOrEqual(0.9 * size!.size);
    const perSide = (port: NonNullable<typeof size>['pilePort']) => port.ways.filter((w) => w.information === 'per-side');
    const [pile, idle] = [perSide(size!.pilePort), perSide(size!.idlePort)];
    // At the pile, every way the lab needs anyway (ss, /proc; netstat only where installed); at the
    // idle port, the lab's sampler beside at least one other.
    expect(pile.map((w) => w.name)).toEqual(expect.arrayContaining(WAYS.filter((w) => w.information === 'per-side' && !w.needs).map((w) => w.name)));
    expect(idle.map((w) => w.name)).toContain('lab sampler');
    expect(idle.length).toBeGreaterThan(1);
    for (const ways of [pile, idle]) expect(ways.map((w) => [w.name, w.agreesWithLab])).toEqual(ways.map((w) => [w.name, true]));
  });

  it('measured the sampler in each mode beside its floor, the harness beside the load, and the CLI\'s start', async () => {
    const withNamespaces = (await namespacesMissing()) === null;
    const { loopback, namespaces, floor } = bench.sampler!.sizes[0]!.atDefaultInterval;
    for (const run of [loopback, floor, ...(namespaces ? [namespaces] : [])]) expect(run.samples).toBeGreaterThan(1);
    expect(namespaces !== null).toBe(withNamespaces);
    const [scenario] = bench.harness!.scenarios;
    expect(scenario!.mode).toBe(withNamespaces ? 'namespaces' : 'loopback');
    // The load ran inside the windows: its processes used CPU there, and the windows are part of the run.
    expect(scenario!.load.serverAndClientsMs).toBeGreaterThan(0);
    expect(scenario!.load.wallMs).toBeLessThan(scenario!.wallMs);
    expect(scenario!.claimsHeld).toBe(true);
    // The same scenario again with its sampler every second: the same load, far fewer samples a second.
    const [paced] = bench.harness!.pace;
    expect(bench.harness!.pace.map((p) => p.args)).toEqual([[...scenario!.args, '--interval-ms', '1000']]);
    expect(paced!.claimsHeld).toBe(true);
    expect(paced!.load.serverAndClientsMs).toBeGreaterThan(0);
    expect(paced!.samplesTaken).toBeLessThan(scenario!.samplesTaken / 2);
    expect(run.stderr).toMatch(/^  the sampler's pace: the scenario with the highest observer share again/m);
    expect(bench.targets.map((t) => t.name)).toEqual(
      expect.arrayContaining(['sampler-cost-ratio', 'sampler-cpu-share', 'harness-cpu-share', 'cli-start']),
    );
  });

  it.skipIf(unavailable !== null)(`measured the tracer: every connection the server accepted traced, each end from open to close, nothing lost${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    const tracer = bench.tracer!;
    if (!tracer.measured) throw new Error(tracer.whyNot);
    expect(tracer.connections).toBe(300); // --quick's plan: one request on each
    expect(tracer).toMatchObject({ traced: tracer.connections, lostEvents: 0 });
    // At least 3 state changes on each end: opened, established, closed.
    expect(tracer.stateChanges).toBeGreaterThanOrEqual(6 * tracer.connections);
    expect(tracer.readCpuMsPer1000).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/^Tracer \(connection ledger\), 300 connections of one request each on loopback/m);
    expect(run.stderr).toMatch(/^  beside the load, at each scenario's peak rate/m);
    expect(bench.harness!.scenarios[0]!.peakNewConnectionsPerSec).toBeGreaterThan(0);
  });

  it('checked every load tool against the server: keep-alive tools reuse connections, reconnectRate 1 opens one per request', () => {
    const { requests, concurrency, tools } = bench.load!;
    const tool = (name: string) => tools.find((t) => t.name === name)!;
    for (const name of ['lab node:http (fixed)', 'autocannon']) {
      expect(tool(name).server.requestsServed, name).toBe(requests);
      expect(tool(name).server.connectionsAccepted, name).toBeLessThanOrEqual(concurrency);
      expect(tool(name).agrees, name).toBe(true);
    }
    // Whatever autocannon counts with reconnectRate (it has counted 0), the server's count stands beside it.
    const reconnecting = tool('autocannon, reconnectRate 1');
    expect(reconnecting.server.requestsServed).toBe(requests);
    expect(reconnecting.server.connectionsAccepted).toBeGreaterThanOrEqual(0.9 * requests);
    expect(reconnecting.agrees).toBe(reconnecting.responses === requests);
    expect(reconnecting.disagreement).toBe(
      reconnecting.agrees ? null : `autocannon, reconnectRate 1 counted ${formatCount(reconnecting.responses)} responses; the server served ${formatCount(requests)} requests`,
    );
  });

  it('ran the rate generator beside autocannon overallRate at each rate; the server counts what each sent, on the connections the physics says', () => {
    const { rate } = bench.load!;
    expect(rate.runs.length).toBeGreaterThan(0);
    for (const asked of new Set(rate.runs.map((r) => r.askedPerSec))) {
      const at = rate.runs.filter((r) => r.askedPerSec === asked);
      expect(at.map((r) => r.name)).toEqual(['lab --rate, keep-alive', 'lab --rate, new connection each', 'autocannon overallRate', 'autocannon overallRate, reconnectRate 1']);
      const [keepAlive, perRequest, autocannonKeepAlive, autocannonPerRequest] = at as [RateRun, RateRun, RateRun, RateRun];
      for (const lab of [keepAlive, perRequest]) {
        // Every request the lab started reached the server, and those it dropped did not.
        expect(lab.server.requestsServed + lab.dropped!, lab.name).toBe(lab.requests);
        expect(lab.responses, lab.name).toBe(lab.server.requestsServed);
        expect(lab.latencyMs.p99, lab.name).toBeGreaterThanOrEqual(lab.serviceTimeMs!.p99);
      }
      expect(keepAlive.server.connectionsAccepted).toBeLessThan(keepAlive.server.requestsServed);
      expect(perRequest.server.connectionsAccepted).toBeGreaterThanOrEqual(0.9 * perRequest.server.requestsServed);
      expect(autocannonKeepAlive.server.requestsServed).toBe(autocannonKeepAlive.requests);
      expect(autocannonKeepAlive.server.connectionsAccepted).toBeLessThanOrEqual(rate.autocannonConnections);
      expect(autocannonPerRequest.server.connectionsAccepted).toBeGreaterThanOrEqual(0.9 * autocannonPerRequest.server.requestsServed);
    }
  });

  it('observed a load of new connections with npm run observe: it counted every connection the server accepted, beside ss at 1 Hz', () => {
    const observe = bench.observe!;
    expect(observe.serverAccepted).toBe(observe.connectionsOpened);
    // The load ran inside the observer's window: it saw each one, and the namespace's kernel counted the same.
    expect(observe.observedConnections).toBe(observe.serverAccepted);
    expect(observe.activeOpensInWindow).toBe(observe.serverAccepted);
    // ss ran beside it; its CPU over --quick's second of polling can be under a clock tick (0 here).
    expect(observe.ssPollSeconds).toBeGreaterThan(0);
    expect(bench.targets.map((t) => t.name)).toContain('observe-cpu-share');
  });
});

describe('npm run bench interrupted', () => {
  it('on SIGINT while piling up sockets: exits 130, deletes its namespace, writes nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twl-bench-test-'));
    try {
      const run = benchCli(['--quick', '--only', 'sampler', '--out', path.join(dir, 'bench.json')]);
      await untilStderr(run, '> sampler:');
      expect(await namespacesOf(run.pid)).toHaveLength(2); // the pair: the pile's clients, its server
      await new Promise((r) => setTimeout(r, 500)); // the worker is inside, starting its servers
      run.kill('SIGINT');
      const result = await run;
      expect(result.exitCode).toBe(130);
      expect(result.stderr).toMatch(/interrupted by SIGINT; stopping its processes, no bench file written\n?$/);
      expect(await namespacesOf(run.pid)).toEqual([]);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(await namespacesMissing())('npm run bench killed outright', () => {
  it('leaves its pair of lab namespaces (twlab-<pid>-<n>-srv, -cli) that npm run clean removes', async () => {
    const run = benchCli(['--quick', '--only', 'sampler', '--out', path.join(os.tmpdir(), `twl-bench-killed-${process.pid}.json`)]);
    await untilStderr(run, '> sampler:');
    run.kill('SIGKILL');
    await run;
    const left = await namespacesOf(run.pid);
    expect(left.sort()).toEqual([expect.stringMatching(new RegExp(`^twlab-${run.pid}-\\d+-cli$`)), expect.stringMatching(new RegExp(`^twlab-${run.pid}-\\d+-srv$`))]);
    // The worker inside ends by itself once its measurement is done: its IPC channel to the bench is gone.
    for (let i = 0; i < 300 && (await labProcesses()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const clean = await runCli('harness/commands/clean.ts', []);
    expect(clean.exitCode, clean.stderr).toBe(0);
    for (const name of left) expect(clean.stderr).toContain(name);
    expect(await namespacesOf(run.pid)).toEqual([]);
  });
});

describe('npm run bench with bad input', () => {
  it('names the bad part and what is accepted, exits 2, writes nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twl-bench-test-'));
    try {
      const run = await benchCli(['--only', 'sampler,nonsense', '--out', path.join(dir, 'bench.json')]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr.trim()).toBe(
        `bench: option '--only <parts>' argument 'sampler,nonsense' is invalid. expected a comma-separated list of sampler, tracer, load, harness, observe; got "nonsense".`,
      );
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
