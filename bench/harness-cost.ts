// Part 3 of the benchmark: what the harness itself costs. Each scenario runs through the real CLI,
// as a user runs it; the CLI process reports its own CPU and its children's when it exits
// (cpu-report.ts), so the harness (orchestration, sampling, IPC) is told apart from the client and
// server processes and the ss runs it waited for.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { LabError } from '../harness/shared/errors.ts';
import { readResult } from '../harness/result/read.ts';
import type { ScenarioCost } from './bench-schema.ts';
import type { CpuReading } from './cpu.ts';

const CLI = new URL('../harness/commands/scenario.ts', import.meta.url).pathname;
const CPU_REPORT = new URL('./processes/cpu-report.ts', import.meta.url).pathname;

/** Runs the CLI with `args` as a user would, with the CPU report preloaded. */
async function runCli(args: string[], dir: string) {
  const report = path.join(dir, 'cpu.json');
  const t0 = performance.now();
  const run = await execa(process.execPath, ['--import', CPU_REPORT, CLI, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { TWL_CPU_REPORT: report },
    timeout: 600_000,
  });
  const wallMs = Math.round(performance.now() - t0);
  const cpu = run.exitCode === 0 || run.exitCode === 1 ? (JSON.parse(await readFile(report, 'utf8')) as CpuReading) : null;
  if (!cpu) throw new LabError(`npm run scenario -- ${args.join(' ')} failed (exit ${run.exitCode}): ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
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

/** The CPU the CLI spends starting: loading its modules and the scenarios (`--list` and exit). */
export function measureStartup(): Promise<number> {
  return inTemporaryDirectory(async (dir) => Math.round((await runCli(['--list'], dir)).cpu.ownMs));
}

export function measureScenario(scenario: string, args: string[]): Promise<ScenarioCost> {
  return inTemporaryDirectory(async (dir) => {
    const resultFile = path.join(dir, 'result.json');
    const { wallMs, cpu } = await runCli([scenario, ...args, '--out', resultFile], dir);
    const result = await readResult(resultFile);
    const total = cpu.ownMs + cpu.childrenMs;
    return {
      scenario,
      args,
      wallMs,
      harnessCpuMs: Math.round(cpu.ownMs),
      childrenCpuMs: Math.round(cpu.childrenMs),
      harnessShareOfTotal: total > 0 ? Math.round((cpu.ownMs / total) * 10_000) / 10_000 : 0,
      samplesTaken: result.variants.reduce((sum, v) => sum + v.summary.samplesTaken, 0),
      claimsHeld: result.claims.every((c) => c.held),
    };
  });
}
