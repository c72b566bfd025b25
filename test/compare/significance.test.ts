// The significance rule on constructed trials whose answer is known. Reference p-values from
// scipy 1.17: scipy.stats.ttest_ind(after, before, equal_var=False).
import { describe, expect, test } from 'vitest';
import { judgeChange } from '../../harness/compare/significance.ts';

describe('judgeChange', () => {
  test('a shift far beyond the spread is significant (Welch p = 0.000255)', () => {
    const judgement = judgeChange([10, 11, 12], [20, 21, 22]);
    expect(judgement).toMatchObject({ verdict: 'significant', test: 'welch' });
    expect(judgement.verdict !== 'cannot-judge' && judgement.pValue).toBeCloseTo(0.0002552167494419268, 9);
  });

  test('overlapping trials with unequal variances are not significant (Welch p = 0.582)', () => {
    const judgement = judgeChange([100, 104, 98, 101], [110, 90, 120, 95, 105]);
    expect(judgement).toMatchObject({ verdict: 'not-significant', test: 'welch' });
    expect(judgement.verdict !== 'cannot-judge' && judgement.pValue).toBeCloseTo(0.5822784400061126, 9);
  });

  test('the same mean is not a change (p = 1)', () => {
    expect(judgeChange([1, 2, 3, 4], [1.5, 2.5, 3.5])).toEqual({ verdict: 'not-significant', pValue: 1, test: 'welch' });
  });

  test('exact counts: two different constants differ for real, two equal ones do not', () => {
    expect(judgeChange([300, 300, 300], [20, 20, 20])).toEqual({ verdict: 'significant', pValue: 0, test: 'constant' });
    expect(judgeChange([300, 300, 300], [300, 300, 300])).toEqual({ verdict: 'not-significant', pValue: 1, test: 'constant' });
  });

  test('one constant side against a varying one goes through the t-test', () => {
    expect(judgeChange([300, 300, 300], [299, 300, 301])).toMatchObject({ verdict: 'not-significant', test: 'welch' });
  });

  test('fewer than 3 trials on either side cannot be judged, and says why', () => {
    expect(judgeChange([300], [20, 20, 20])).toEqual({
      verdict: 'cannot-judge',
      reason: 'needs 3 or more trials on each side, has 1 and 3 (run with --repeat 3)',
    });
    expect(judgeChange([10, 11, 12], [20, 21])).toMatchObject({ verdict: 'cannot-judge' });
  });
});
