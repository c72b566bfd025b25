// The pauses of a bursts load with gapSpreadMs: they sweep evenly across burstGapMs ± gapSpreadMs once
// over the run, whatever the number of bursts, so every run straddles the timeout it aims at.
import { describe, expect, it } from 'vitest';
import { burstGapMs, defaultTimeLimitMs } from '../../harness/load/load.ts';
import { achievedRate } from '../../harness/shapes/load-settings.ts';
import type { LoadSettings, RateLoad } from '../../harness/shapes/load-settings.ts';

const load: LoadSettings = { requests: 300, concurrency: 20, pattern: 'bursts', burstGapMs: 95, gapSpreadMs: 15 };

describe('burstGapMs', () => {
  it('goes from the shortest to the longest pause, evenly', () => {
    const pauses = Array.from({ length: 7 }, (_, i) => burstGapMs(load, i, 7));
    expect(pauses).toEqual([80, 85, 90, 95, 100, 105, 110]);
  });

  it('is burstGapMs itself without a spread, or with a single pause', () => {
    expect(burstGapMs({ ...load, gapSpreadMs: undefined }, 3, 7)).toBe(95);
    expect(burstGapMs(load, 0, 1)).toBe(95);
  });

  it('never goes below zero', () => {
    expect(burstGapMs({ ...load, burstGapMs: 5 }, 0, 7)).toBe(0);
  });
});

describe('defaultTimeLimitMs', () => {
  it('leaves a bursts load its pauses on top of what a steady load of the same size gets', () => {
    const slow: LoadSettings = { requests: 2000, concurrency: 10, pattern: 'bursts', burstGapMs: 5000 };
    const pauses = Array.from({ length: 199 }, (_, i) => burstGapMs(slow, i, 199)).reduce((a, b) => a + b, 0);
    expect(defaultTimeLimitMs(slow)).toBe(defaultTimeLimitMs({ ...slow, pattern: 'steady', burstGapMs: 0 }) + pauses);
    expect(defaultTimeLimitMs({ ...slow, gapSpreadMs: 4000 })).toBe(defaultTimeLimitMs(slow));
  });

  it('counts the pauses as they are taken when the spread is wider than the gap (the shortest are 0, not negative)', () => {
    // 160 requests in bursts of 20: 8 bursts, 7 pauses sweeping 5 ± 15 ms, i.e. 0, 0, 0, 5, 10, 15, 20.
    const wide: LoadSettings = { requests: 160, concurrency: 20, pattern: 'bursts', burstGapMs: 5, gapSpreadMs: 15 };
    const steady = defaultTimeLimitMs({ ...wide, pattern: 'steady', burstGapMs: 0, gapSpreadMs: undefined });
    expect(defaultTimeLimitMs(wide) - steady).toBe(0 + 0 + 0 + 5 + 10 + 15 + 20);
  });
});

describe('under a rate', () => {
  const rate: RateLoad = { requests: 1200, concurrency: 50, pattern: 'rate', burstGapMs: 0, rate: 300 };

  it('the time limit leaves the schedule its own length on top of what a steady load of the same size gets', () => {
    expect(defaultTimeLimitMs(rate)).toBe(defaultTimeLimitMs({ ...rate, pattern: 'steady', rate: undefined }) + 4_000);
  });

  it('the rate achieved is the rate asked when every request started on time, and falls with drops and late starts', () => {
    // Request 1,199 (0-based) is due at 1,199 / 300 s.
    expect(achievedRate(rate, 1200, (1199 / 300) * 1000)).toBe(300);
    expect(achievedRate(rate, 1140, (1199 / 300) * 1000)).toBe(285);
    // The last request started 1 s late: 1,200 in 5 s.
    expect(achievedRate(rate, 1200, (1199 / 300) * 1000 + 1000)).toBe(240);
  });
});
