// What the benchmark measures about reading the socket table, at one pile size: the cost of one
// read by each way, the highest rate the lab's sampler keeps up, and its steadiness and CPU share
// at the default interval. Runs inside the namespace that holds the pile.
import { setTimeout as sleep } from 'node:timers/promises';
import { median, quantile } from 'simple-statistics';
import { openCounts } from '../harness/observe/namespace-counts.ts';
import type { Probe, SsRunner } from '../harness/observe/probes.ts';
import { loopEvery, startSampler } from '../harness/observe/sampler.ts';
import type { SideCounts } from '../harness/observe/ss-parse.ts';
import type { IntervalRun, WayCost } from './bench-schema.ts';
import { cpuSince, processCpuMs, readCpu, type CpuReading } from '../harness/observe/cpu.ts';
import type { Way } from './socket-table-ways.ts';

/**
 * CPU of this process, of the children it waited for and of the ss helper (a long-lived child: its
 * CPU and that of the ss runs it waited for are read from /proc/<pid>/stat).
 */
function cpuMark(helperPid: number) {
  const cpu = readCpu();
  const helper = processCpuMs(helperPid) ?? 0;
  return (): CpuReading => {
    const since = cpuSince(cpu);
    return { ownMs: since.ownMs, childrenMs: since.childrenMs + (processCpuMs(helperPid) ?? helper) - helper };
  };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** p50, p99 (linear between the two nearest, as numpy's default) and max; none of one sample alone. */
function jitter(deviations: number[]): IntervalRun['jitterMs'] {
  if (deviations.length === 0) return { p50: 0, p99: 0, max: 0 };
  return { p50: round(median(deviations)), p99: round(quantile(deviations, 0.99)), max: round(Math.max(...deviations)) };
}

/** Each turn of a way lasts about this long: long enough to spread 10 ms CPU ticks, short enough to interleave. */
const TURN_MS = 100;

/**
 * Gives each way turns of a few reads, way after way, round after round, until every way has had
 * about `budgetMs` (and at least `minReads` counted reads), so a noisy neighbour weighs on all of
 * them alike. The first read of every turn is not counted: it pays for the garbage the previous
 * way left behind.
 */
export async function measureWays(
  ways: Way[],
  port: number,
  budgetMs: number,
  minReads: number,
  helper: { run: SsRunner; pid: number },
): Promise<WayCost[]> {
  const readers = ways.map((way) => way.reader(port, helper.run));
  const found: (SideCounts | number)[] = [];
  const readsPerTurn: number[] = [];
  for (const read of readers) {
    const t0 = performance.now();
    found.push(await read()); // also warms up: loads code, fills caches
    readsPerTurn.push(1 + Math.max(1, Math.ceil(TURN_MS / Math.max(performance.now() - t0, 0.01))));
  }
  const tallies = ways.map(() => ({ walls: [] as number[], ownMs: 0, childrenMs: 0 }));
  const start = performance.now();
  while (tallies.some((t) => t.walls.length < minReads) || performance.now() - start < budgetMs * ways.length) {
    for (const [i, read] of readers.entries()) {
      const tally = tallies[i]!;
      await read();
      const since = cpuMark(helper.pid);
      for (let n = 1; n < readsPerTurn[i]!; n++) {
        const t0 = performance.now();
        await read();
        tally.walls.push(performance.now() - t0);
      }
      const cpu = since();
      tally.ownMs += cpu.ownMs;
      tally.childrenMs += cpu.childrenMs;
    }
  }
  return ways.map((way, i) => {
    const { walls, ownMs, childrenMs } = tallies[i]!;
    const per = (ms: number) => round(ms / walls.length);
    return {
      name: way.name,
      command: way.command,
      information: way.information,
      reads: walls.length,
      wallMs: round(median(walls)),
      cpuMs: { own: per(ownMs), children: per(childrenMs), total: per(ownMs + childrenMs) },
      found: found[i]!,
    };
  });
}

/** The rate of the lab's sampler reading through `probes` with no pause between samples: the most it can sustain. */
export async function measureMaxRate(port: number, durationMs: number, probes: Probe[]): Promise<number> {
  const sampler = startSampler(port, 0, performance.now(), () => {}, probes);
  const start = performance.now();
  await sleep(durationMs);
  const samples = await sampler.stop();
  return round((samples.length * 1000) / (performance.now() - start), 1);
}

/** Samples taken at `intervalMs`: their rate, the steadiness of their timeline, their CPU share of one core. */
function intervalRun(intervalMs: number, times: number[], wallMs: number, cpu: CpuReading): IntervalRun {
  const deviations = times.slice(1).map((t, i) => Math.abs(t - times[i]! - intervalMs));
  return {
    intervalMs,
    samples: times.length,
    samplesPerSec: round((times.length * 1000) / wallMs, 1),
    jitterMs: jitter(deviations),
    cpuShareOfOneCore: round((cpu.ownMs + cpu.childrenMs) / wallMs, 4),
  };
}

/** The lab's sampler at `intervalMs` through `probes`, as a scenario runs it, for `durationMs`. */
export async function measureAtInterval(port: number, intervalMs: number, durationMs: number, probes: Probe[], helperPid: number): Promise<IntervalRun> {
  const cpu = cpuMark(helperPid);
  const start = performance.now();
  const sampler = startSampler(port, intervalMs, start, () => {}, probes);
  await sleep(durationMs);
  const samples = await sampler.stop();
  return intervalRun(intervalMs, samples.map((s) => s.tMs), performance.now() - start, cpu());
}

/** The floor: each namespace's sockstat (`<procNet>/sockstat`, kept open) read at every sample, nothing else, on the sampler's timeline. */
export async function measureFloor(procNets: string[], intervalMs: number, durationMs: number): Promise<IntervalRun> {
  const readers = procNets.map(openCounts);
  try {
    const cpu = readCpu();
    const start = performance.now();
    const times: number[] = [];
    await loopEvery(intervalMs, () => performance.now() - start >= durationMs, async () => {
      times.push(Math.round(performance.now() - start));
      for (const reader of readers) reader.sockstat();
    }).done;
    return intervalRun(intervalMs, times, performance.now() - start, cpuSince(cpu));
  } finally {
    for (const reader of readers) reader.close();
  }
}
