// The life of TIME_WAIT read from samples (harness/result/time-wait.ts): on the samples of a real
// steady-state run (test/fixtures/results/steady-state.json, make-result-fixtures.sh), then each
// rule on a small case.
import { describe, expect, test } from 'vitest';
import {
  clientTimeWait,
  drainSteps,
  expectedPlateau,
  firstEntryMs,
  labTimeWait,
  lifetimeOf,
  meanLifetimeMs,
  plateauOf,
  stepMs,
  TIME_WAIT_TIMER_MS,
} from '../../harness/result/time-wait.ts';
import type { Sample } from '../../harness/observe/sampler.ts';
import { loadFixture } from '../support/results-fixtures.ts';

const { result } = await loadFixture('steady-state.json');
const bad = result.variants.find((v) => v.name === 'bad')!;
const { drain, plateau } = bad.summary.timeWait;
const samples = bad.samples;

describe('on the samples of a real steady-state run', () => {
  test('gives back the figures the run recorded', () => {
    expect(lifetimeOf(samples, drain!.loadEndedMs, drain!.entered)).toEqual({
      lifetimeMs: bad.summary.timeWait.lifetimeMs,
      stepMs: drain!.stepMs,
      timerMs: drain!.timerMs,
      zeroAfterMs: drain!.zeroAfterMs,
      accuracyMs: drain!.accuracyMs,
    });
    const { mean, fromMs, toMs } = plateauOf(samples, drain!.loadEndedMs, drain!.stepMs)!;
    expect({ mean, fromMs, toMs }).toEqual({ mean: plateau!.mean, fromMs: plateau!.fromMs, toMs: plateau!.toMs });
  });

  test("counts the sockets that entered TIME_WAIT as the kernel did: one per connection the client opened and closed", () => {
    // The client namespace holds the client alone: TcpExt TW there is its own count, exact.
    expect(drain!.entered).toBe(bad.summary.kernelBySide!.client.timeWaitEntered);
    expect(drain!.entered).toBe(bad.summary.connectionsOpened);
  });

  test('starts from an empty namespace and ends drained: the two ends Little\'s law needs', () => {
    expect(clientTimeWait(samples[0]!)).toBe(0);
    expect(clientTimeWait(samples.at(-1)!)).toBe(0);
    expect(labTimeWait(samples.at(-1)!)).toBe(0);
  });

  test('the drain only falls, in steps a whole number of wheel steps apart', () => {
    const after = samples.filter((s) => s.tMs >= drain!.loadEndedMs);
    for (let i = 1; i < after.length; i++) expect(clientTimeWait(after[i]!)).toBeLessThanOrEqual(clientTimeWait(after[i - 1]!));
    const steps = drainSteps(samples, drain!.loadEndedMs);
    expect(steps.length).toBeGreaterThanOrEqual(20);
    for (let i = 1; i < steps.length; i++) {
      const gap = steps[i]! - steps[i - 1]!;
      const whole = Math.round(gap / drain!.stepMs!);
      expect(whole).toBeGreaterThanOrEqual(1);
      // Each step's time is read within the gap around it.
      expect(Math.abs(gap - whole * drain!.stepMs!)).toBeLessThanOrEqual(drain!.accuracyMs);
    }
  });

  test('every other sample dropped: the lifetime moves by less than its accuracy', () => {
    const half = samples.filter((_, i) => i % 2 === 0 || i === samples.length - 1);
    const life = meanLifetimeMs(half, drain!.entered)!;
    expect(Math.abs(life - bad.summary.timeWait.lifetimeMs!)).toBeLessThanOrEqual(drain!.accuracyMs);
  });

  test('a drain cut short (the last samples gone) measures no lifetime, and says nothing is left', () => {
    const cut = samples.slice(0, samples.findIndex((s) => s.tMs >= drain!.loadEndedMs + 30_000));
    const life = lifetimeOf(cut, drain!.loadEndedMs, drain!.entered);
    expect(life.lifetimeMs).toBeNull();
    expect(life.timerMs).toBeNull();
    expect(life.zeroAfterMs).toBeNull();
  });

  test('the plateau: 60 s and one step after the first entry until the load ends, whole steps, within the samples it averages', () => {
    const first = firstEntryMs(samples)!;
    expect(plateau!.fromMs).toBe(Math.round(first + TIME_WAIT_TIMER_MS + drain!.stepMs!));
    expect(plateau!.toMs).toBeLessThanOrEqual(drain!.loadEndedMs);
    expect((plateau!.toMs - plateau!.fromMs) % drain!.stepMs!).toBeLessThan(1);
    const inside = samples.filter((s) => s.tMs >= plateau!.fromMs && s.tMs <= plateau!.toMs).map(clientTimeWait);
    expect(plateau!.mean).toBeGreaterThanOrEqual(Math.min(...inside));
    expect(plateau!.mean).toBeLessThanOrEqual(Math.max(...inside));
  });
});

/** A sample whose client namespace holds `tw` sockets in TIME_WAIT (the server's none). */
const at = (tMs: number, tw: number): Sample => ({
  tMs,
  clientSide: { timeWait: tw },
  serverSide: {},
  namespaceTimeWait: tw,
  namespaces: { client: { tw, inuse: 0, orphan: 0 }, server: { tw: 0, inuse: 0, orphan: 0 } },
});
/** Samples every `every` ms from 0 to `untilMs` of the count `count(t)`. */
const series = (untilMs: number, every: number, count: (tMs: number) => number) =>
  Array.from({ length: Math.floor(untilMs / every) + 1 }, (_, i) => at(i * every, count(i * every)));

describe('the rules', () => {
  test("Little's law: the area under the count over the sockets that entered, within the gap between samples", () => {
    // 10 sockets enter at 1.5 s and leave at 61.5 s; samples every second miss both edges by 0.5 s.
    const s = series(70_000, 1000, (t) => (t >= 1500 && t < 61_500 ? 10 : 0));
    expect(Math.abs(meanLifetimeMs(s, 10)! - 60_000)).toBeLessThanOrEqual(1000);
    // Unknown entries, or a count that does not start and end at zero: nothing to divide.
    expect(meanLifetimeMs(s, null)).toBeNull();
    expect(meanLifetimeMs(s.slice(2), 10)).toBeNull();
    expect(meanLifetimeMs(s.slice(0, 30), 10)).toBeNull();
  });

  test('the step: the spacing of the falls, an empty bucket counting as two steps; none with fewer than 3 falls', () => {
    expect(stepMs([0, 2048, 6144, 8192])).toBeCloseTo(2048, 6);
    expect(stepMs([100, 4196])).toBeNull();
    // Falls in neighbouring gaps (a bucket straddling a sample) are one step.
    const s = [at(0, 30), at(100, 20), at(200, 10), at(2100, 10), at(2200, 0)];
    expect(drainSteps(s, 0)).toEqual([50, 2150]);
    // Before the load ended nothing is a step: sockets still came.
    expect(drainSteps(s, 150)).toEqual([2150]);
  });

  test('the timer is the mean lifetime less half a step, only for sockets spread over 10 steps or more', () => {
    // A socket a second for 30 s, each timer of 60 s fired at the end of its 2 s bucket
    // (kernel/time/timer.c, calc_index): half of them 0.5 s late, half 1.5 s.
    const entries = Array.from({ length: 30 }, (_, i) => i * 1000 + 500);
    const exits = entries.map((t) => (Math.floor((t + 60_000) / 2000) + 1) * 2000);
    const count = (t: number) => entries.filter((e, i) => e <= t && t < exits[i]!).length;
    const s = series(100_000, 100, count);
    const life = lifetimeOf(s, 30_000, entries.length);
    expect(life.stepMs).toBe(2000);
    expect(life.lifetimeMs).toBeGreaterThan(60_000);
    expect(Math.abs(life.timerMs! - 60_000)).toBeLessThanOrEqual(200);
    // The same sockets in 5 s: over fewer than 10 steps the wheel's delay is no longer half a step on average.
    const quick = entries.slice(0, 5);
    const burst = series(100_000, 100, (t) => quick.filter((e, i) => e <= t && t < exits[i]!).length);
    expect(lifetimeOf(burst, 5000, quick.length).timerMs).toBeNull();
  });

  test('the plateau needs a step of load after 60 s and a step; loopback reads the port\'s count', () => {
    const s = series(80_000, 100, (t) => Math.min(600, Math.floor(t / 100)));
    expect(plateauOf(s, 60_000, 2048)).toBeNull();
    expect(plateauOf(s, 70_000, 2048)).toMatchObject({ mean: 600 });
    const loopback: Sample = { tMs: 0, clientSide: { timeWait: 7 }, serverSide: { timeWait: 2 }, namespaceTimeWait: 900 };
    expect(clientTimeWait(loopback)).toBe(7);
    expect(labTimeWait(loopback)).toBe(9);
  });

  test('the expected plateau is drawn for a rate that outlasts TIME_WAIT, and only then', () => {
    const rate = { pattern: 'rate' as const, rate: 300, concurrency: 200, burstGapMs: 0 };
    expect(expectedPlateau({ ...rate, requests: 300 * 72 })).toEqual({ count: 18_000, because: '300/s × 60 s' });
    expect(expectedPlateau({ ...rate, requests: 300 * 3 })).toBeNull();
    expect(expectedPlateau({ requests: 100_000, concurrency: 20, pattern: 'steady', burstGapMs: 0 })).toBeNull();
  });
});
