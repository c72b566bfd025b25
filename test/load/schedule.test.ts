// The open model's clock (harness/load/schedule.ts): every slot fires once, in order, never before
// its time; a late event loop is caught up in bursts, so the schedule never drifts. These check
// order and bounds, not how precisely a busy machine keeps time (npm run bench measures that).
import { describe, expect, test } from 'vitest';
import { BURST_MAX_SLOTS, runSchedule } from '../../harness/load/schedule.ts';

/** Keeps the event loop busy for `ms`, as a long synchronous task in a client would. */
const block = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('runSchedule', () => {
  test('fires every slot once, in order, each at its time on the fixed timeline or after it, never before', async () => {
    const fired: { slot: number; dueMs: number; atMs: number }[] = [];
    const origin = performance.now();
    await runSchedule(1_000, 50, (slot, dueMs) => fired.push({ slot, dueMs, atMs: performance.now() }), origin);
    expect(fired.map((f) => f.slot)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const f of fired) {
      expect(f.dueMs).toBeCloseTo(origin + f.slot, 6);
      expect(f.atMs).toBeGreaterThanOrEqual(f.dueMs);
    }
  });

  test('catches up after the event loop was blocked: the slots that came due fire at once, and the timeline does not move', async () => {
    const fired: { slot: number; dueMs: number; atMs: number }[] = [];
    const origin = performance.now();
    // 200 a second: a slot every 5 ms; the first fires, then 100 ms pass with the loop blocked.
    await runSchedule(
      200,
      40,
      (slot, dueMs) => {
        fired.push({ slot, dueMs, atMs: performance.now() });
        if (slot === 0) block(100);
      },
      origin,
    );
    expect(fired).toHaveLength(40);
    // Slots 1 to 20 came due while the loop was blocked: they fire in one burst, after it.
    const burst = fired.filter((f) => f.slot >= 1 && f.slot <= 20);
    expect(Math.min(...burst.map((f) => f.atMs))).toBeGreaterThanOrEqual(origin + 100);
    // The slots keep their places on the timeline: the ones after the burst are still 5 ms apart.
    for (const f of fired) expect(f.dueMs).toBeCloseTo(origin + f.slot * 5, 6);
  });

  test('a catch-up burst yields to the event loop after at most BURST_MAX_SLOTS slots', async () => {
    const between: number[] = [];
    let firedSinceYield = 0;
    let yielded = 0;
    const origin = performance.now() - 1_000; // a second late: every slot is due at once
    const slots = BURST_MAX_SLOTS * 3;
    const watch = () => {
      if (firedSinceYield > 0) between.push(firedSinceYield), (firedSinceYield = 0), yielded++;
      if (yielded < 10) setImmediate(watch);
    };
    setImmediate(watch);
    await runSchedule(slots, slots, () => firedSinceYield++, origin);
    if (firedSinceYield > 0) between.push(firedSinceYield);
    expect(between.reduce((a, b) => a + b, 0)).toBe(slots);
    expect(Math.max(...between)).toBeLessThanOrEqual(BURST_MAX_SLOTS);
    expect(between.length).toBeGreaterThanOrEqual(3);
  });

  test('ends: no slot fires after the last, and zero slots resolve at once', async () => {
    let count = 0;
    await runSchedule(10_000, 0, () => count++);
    await runSchedule(10_000, 20, () => count++);
    await new Promise((r) => setTimeout(r, 20));
    expect(count).toBe(20);
  });
});
