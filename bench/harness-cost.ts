// Part 3 of the benchmark: what the harness itself costs. Each scenario runs through the real CLI,
// as a user runs it; the CLI process reports when it exits (cpu-report.ts) its own CPU and its
// children's, and its cost log (harness/run/cost-log.ts): its start-up, each stage's set-up, and
// from each variant's first request to its last sample its own CPU and its ss helper's beside the
// server's and the clients'. What disturbs a measurement is what runs beside the load.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { median } from 'simple-statistics';
import { LabError } from '../harness/shared/errors.ts';
import { readResult } from '../harness/result/read.ts';
import { missingRequirements, needsText } from '../harness/run/machine-check.ts';
import { loadScenario } from '../harness/scenario/catalog.ts';
import type { CostLog } from '../harness/run/cost-log.ts';
import type { HarnessSection, ScenarioCost } from './bench-schema.ts';
import type { CpuReading } from '../harness/observe/cpu.ts';

const CLI = new URL('../harness/commands/scenario.ts', import.meta.url).pathname;
const CPU_REPORT = new URL('./entries/cpu-report.ts', import.meta.url).pathname;

type Report = CpuReading & CostLog;

/** Runs `node [--import cpu-report] <args>` as a user would; resolves with its wall time and its report. */
async function runNode(args: string[], dir: string, env: Record<string, string> = {}) {
  const report = path.join(dir, 'cpu.json');
  const t0 = performance.now();
  const run = await execa(process.execPath, ['--import', CPU_REPORT, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { ...env, TWL_CPU_REPORT: report },
    timeout: 600_000,
  });
  const wallMs = Math.round(performance.now() - t0);
  const cpu = run.exitCode === 0 || run.exitCode === 1 ? (JSON.parse(await readFile(report, 'utf8')) as Report) : null;
  if (!cpu) throw new LabError(`node ${args.join(' ')} failed (exit ${run.exitCode}): ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
  return { wallMs, cpu };
}

async function inTemporaryDirectory<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twl-bench-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The median of the own CPU of `starts` runs of node with `args` (after one to warm the caches): the machine is shared. */
async function startCpu(starts: number, args: string[], dir: string, env?: Record<string, string>): Promise<number> {
  await runNode(args, dir, env);
  const runs: number[] = [];
  for (let i = 0; i < starts; i++) runs.push((await runNode(args, dir, env)).cpu.ownMs);
  return Math.round(median(runs));
}

/**
 * The CPU the CLI spends to start and exit with nothing to run (`--list`), with the compile cache
 * the npm scripts give it (NODE_COMPILE_CACHE, package.json) and without; beside Node's own start.
 */
export function measureStart(starts: number): Promise<HarnessSection['start']> {
  return inTemporaryDirectory(async (dir) => ({
    nodeFloorMs: await startCpu(starts, ['-e', '0'], dir),
    listMs: await startCpu(starts, [CLI, '--list'], dir),
    listColdMs: await startCpu(starts, [CLI, '--list'], dir, { NODE_DISABLE_COMPILE_CACHE: '1' }),
  }));
}

/**
 * The runs this machine can make; the others, each with what its scenario needs and how to get it
 * (the Go toolchain, Python's requests, network namespaces), are skipped, as `npm run scenario` would refuse them.
 */
export async function runnableScenarios<R extends { name: string }>(runs: R[]): Promise<{ runnable: R[]; skipped: HarnessSection['skipped'] }> {
  const missing = await missingRequirements(await Promise.all(runs.map((run) => loadScenario(run.name))));
  return {
    runnable: runs.filter((run) => !missing.has(run.name)),
    skipped: [...missing].map(([scenario, lacks]) => ({ scenario, why: needsText(lacks) })),
  };
}

const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);

export function measureScenario(scenario: string, args: string[]): Promise<ScenarioCost> {
  return inTemporaryDirectory(async (dir) => {
    const resultFile = path.join(dir, 'result.json');
    const { wallMs, cpu } = await runNode([CLI, scenario, ...args, '--out', resultFile], dir);
    const result = await readResult(resultFile);
    const sum = (f: (load: NonNullable<Report['stages'][number]['load']>) => number) => cpu.stages.reduce((total, s) => total + (s.load ? f(s.load) : 0), 0);
    const load = {
      wallMs: sum((l) => l.wallMs),
      harnessMs: sum((l) => l.harnessMs),
      helperMs: sum((l) => l.helperMs),
      serverAndClientsMs: sum((l) => l.serverAndClientsMs),
    };
    return {
      scenario,
      args,
      mode: result.params.topology.mode,
      wallMs,
      harnessCpuMs: Math.round(cpu.ownMs),
      childrenCpuMs: Math.round(cpu.childrenMs),
      harnessShareOfTotal: share(cpu.ownMs, cpu.ownMs + cpu.childrenMs),
      startupCpuMs: Math.round(cpu.startupMs ?? cpu.ownMs),
      setupCpuMs: cpu.stages.reduce((total, s) => total + s.setupMs, 0),
      setupWallMs: cpu.stages.reduce((total, s) => total + s.setupWallMs, 0),
      load: { ...load, observerShare: share(load.harnessMs + load.helperMs, load.serverAndClientsMs) },
      samplesTaken: result.variants.reduce((sum, v) => sum + v.summary.samplesTaken, 0),
      peakNewConnectionsPerSec: Math.round(Math.max(0, ...result.variants.map((v) => (v.summary.durationMs > 0 ? v.summary.connectionsOpened / (v.summary.durationMs / 1000) : 0)))),
      claimsHeld: result.claims.every((c) => c.held),
    };
  });
}
