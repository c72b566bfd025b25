// The maths of --repeat on constructed trials whose answer is known: medians, spread, and the
// exact counts that must agree across trials.
import { describe, expect, test } from 'vitest';
import { aggregateTrials, exactCountMismatches } from '../../harness/result/aggregate.ts';
import { resultProblems, type VariantSummary } from '../../harness/result/schema.ts';
import { loadFixture } from '../support/results-fixtures.ts';

const load = { requests: 300, concurrency: 20, pattern: 'steady', burstGapMs: 0 } as const;
// A real trial of the misconfigured client (one connection per request), varied field by field.
const base = (await loadFixture('no-body-close-1.json')).result.variants[0]!.trials[0]!.summary as VariantSummary & Required<Pick<VariantSummary, 'latencyMs'>>;
const trial = (changes: { connectionsOpened?: number; reqPerSec?: number; p99?: number; ok?: number; errorsByCode?: Record<string, number>; firstFailure?: VariantSummary['requests']['firstFailure'] }): VariantSummary => ({
  ...base,
  connectionsOpened: changes.connectionsOpened ?? base.connectionsOpened,
  reqPerSec: changes.reqPerSec ?? base.reqPerSec,
  latencyMs: { ...base.latencyMs, p99: changes.p99 ?? base.latencyMs.p99 },
  requests: {
    ...base.requests,
    ok: changes.ok ?? base.requests.ok,
    errorsByCode: changes.errorsByCode ?? {},
    firstFailure: changes.firstFailure ?? null,
  },
});

describe('aggregateTrials', () => {
  test('one trial: the summary is that trial, the spread is the value itself, nothing differs', () => {
    const one = aggregateTrials([base], load);
    expect(one.summary).toEqual(base);
    expect(one.spread.min.reqPerSec).toBe(base.reqPerSec);
    expect(one.spread.max.latencyMs?.p99).toBe(base.latencyMs.p99);
    expect(one.exactCountMismatches).toEqual([]);
  });

  test('each figure is the median of the trials, with min and max beside it', () => {
    const { summary, spread } = aggregateTrials([trial({ reqPerSec: 900.5, p99: 40 }), trial({ reqPerSec: 700, p99: 10 }), trial({ reqPerSec: 1200, p99: 25.5 })], load);
    expect(summary.reqPerSec).toBe(900.5);
    expect(summary.latencyMs?.p99).toBe(25.5);
    expect(spread.min.reqPerSec).toBe(700);
    expect(spread.max.reqPerSec).toBe(1200);
    expect(spread.min.latencyMs?.p99).toBe(10);
    expect(spread.max.latencyMs?.p99).toBe(40);
  });

  test('with an even number of trials a count stays whole (rounded), a ratio does not', () => {
    const { summary } = aggregateTrials([trial({ connectionsOpened: 299, reqPerSec: 801 }), trial({ connectionsOpened: 300, reqPerSec: 800 })], load);
    expect(summary.connectionsOpened).toBe(300);
    expect(summary.reqPerSec).toBe(800.5);
  });

  test('a count nobody kept (a --target without control endpoint) stays null, in the medians and the spread', () => {
    const uncounted = { ...base, connectionsReset: null };
    const { summary, spread } = aggregateTrials([uncounted, uncounted, uncounted], load);
    expect(summary.connectionsReset).toBeNull();
    expect([spread.min.connectionsReset, spread.max.connectionsReset]).toEqual([null, null]);
    expect(summary.connectionsOpened).toBe(base.connectionsOpened);
  });

  test('an error code missing from a trial counts 0 there', () => {
    const { summary, spread } = aggregateTrials(
      [trial({ errorsByCode: { ECONNRESET: 4 } }), trial({ errorsByCode: { ECONNRESET: 6, EADDRNOTAVAIL: 1 } }), trial({})],
      load,
    );
    expect(summary.requests.errorsByCode).toEqual({ EADDRNOTAVAIL: 0, ECONNRESET: 4 });
    expect(spread.max.requests.errorsByCode).toEqual({ EADDRNOTAVAIL: 1, ECONNRESET: 6 });
    expect(spread.min.requests.errorsByCode).toEqual({ EADDRNOTAVAIL: 0, ECONNRESET: 0 });
  });

  test('the first failure is the one that came earliest in any trial', () => {
    const early = { request: 12, tMs: 30, code: 'ECONNRESET' };
    const { summary } = aggregateTrials([trial({ firstFailure: { request: 40, tMs: 5, code: 'EADDRNOTAVAIL' } }), trial({ firstFailure: early }), trial({})], load);
    expect(summary.requests.firstFailure).toEqual(early);
  });

  test("a real run's stored summary, spread and mismatches are the aggregate of its trials, and pass the schema", async () => {
    const { result } = await loadFixture('tiny-pool.json');
    for (const variant of result.variants) {
      const aggregate = aggregateTrials(variant.trials.map((t) => t.summary), result.params.load);
      expect(aggregate).toEqual({ summary: variant.summary, spread: variant.spread, exactCountMismatches: variant.exactCountMismatches });
    }
    expect(resultProblems(result)).toEqual([]);
  });
});

describe('exactCountMismatches', () => {
  test('a client that opens one connection per request must open as many in every trial', () => {
    const trials = [trial({ connectionsOpened: 300 }), trial({ connectionsOpened: 300 }), trial({ connectionsOpened: 299 })];
    expect(exactCountMismatches(trials, load)).toEqual([{ figure: 'connectionsOpened', values: [300, 300, 299] }]);
  });

  test('a pool that keeps one connection per worker (the concurrency) must keep as many in every trial', () => {
    const trials = [trial({ connectionsOpened: 20 }), trial({ connectionsOpened: 21 }), trial({ connectionsOpened: 20 })];
    expect(exactCountMismatches(trials, load)).toEqual([{ figure: 'connectionsOpened', values: [20, 21, 20] }]);
  });

  test('a count that depends on timing (never the constructed value) may vary', () => {
    const trials = [trial({ connectionsOpened: 140 }), trial({ connectionsOpened: 152 }), trial({ connectionsOpened: 147 })];
    expect(exactCountMismatches(trials, load)).toEqual([]);
  });

  test('requests answered: all of them in one trial, not in another', () => {
    const trials = [trial({ ok: 300 }), trial({ ok: 297 })];
    expect(exactCountMismatches(trials, load)).toEqual([{ figure: 'requests.ok', values: [300, 297] }]);
  });

  test('identical trials have nothing to report', () => {
    expect(exactCountMismatches([base, base, base], load)).toEqual([]);
  });
});
