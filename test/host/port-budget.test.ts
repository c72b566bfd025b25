// The port budget's maths: Little's law (rate x 60 s of TIME_WAIT), tcp_tw_reuse where it applies
// (2: loopback only), the time the range lasts when the plateau does not fit in it.
import { describe, expect, it } from 'vitest';
import { isLoopback, portBudget, TIME_WAIT_S } from '../../harness/host/port-budget.ts';

const linux = (twReuse: number) => ({ portRange: { low: 32_768, high: 60_999 }, twReuse, maxTwBuckets: 262_144 });

describe('the port budget of a destination', () => {
  it('holds rate x 60 s in TIME_WAIT when that fits in the range', () => {
    const budget = portBudget(linux(2), '10.0.0.7', 5, 31);
    expect(budget).toEqual({ ports: 60_999 - 32_768 + 1, inUse: 5, twReuse: false, plateau: 31 * TIME_WAIT_S, exhaustedInS: null });
  });

  it('runs out after the free ports over the rate when the plateau does not fit', () => {
    const budget = portBudget(linux(0), '10.0.0.7', 1_000, 630);
    expect(budget.plateau).toBeGreaterThan(budget.ports);
    expect(budget.exhaustedInS).toBeCloseTo((budget.ports - 1_000) / 630);
  });

  it('takes tcp_tw_reuse = 2 into account on loopback only, and 1 everywhere', () => {
    expect(portBudget(linux(2), '127.0.0.1', 0, 630)).toMatchObject({ twReuse: true, exhaustedInS: null });
    expect(portBudget(linux(2), '::1', 0, 630)).toMatchObject({ twReuse: true, exhaustedInS: null });
    expect(portBudget(linux(2), '10.0.0.7', 0, 630).exhaustedInS).not.toBeNull();
    expect(portBudget(linux(1), '10.0.0.7', 0, 630)).toMatchObject({ twReuse: true, exhaustedInS: null });
  });

  it('tells loopback addresses', () => {
    expect(['127.0.0.1', '127.5.6.7', '::1'].map(isLoopback)).toEqual([true, true, true]);
    expect(['10.0.0.1', '::2', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false]);
  });
});
