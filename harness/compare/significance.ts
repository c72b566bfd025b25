// Whether a figure changed beyond the noise between two results, judged from their trials:
// Welch's two-sample t-test (unequal variances), as autocannon-compare does for its figures.
// With fewer than 3 trials on a side there is no spread to judge against, and the answer says so.
import ttest from 'ttest';

export const MIN_TRIALS = 3;
/** The significance level: a change is significant when p < ALPHA. */
export const ALPHA = 0.05;

export type Judgement =
  | { verdict: 'significant' | 'not-significant'; pValue: number; test: 'welch' | 'constant' }
  | { verdict: 'cannot-judge'; reason: string };

const variance = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
};

export function judgeChange(before: number[], after: number[]): Judgement {
  if (before.length < MIN_TRIALS || after.length < MIN_TRIALS) {
    return {
      verdict: 'cannot-judge',
      reason: `needs ${MIN_TRIALS} or more trials on each side, has ${before.length} and ${after.length} (run with --repeat ${MIN_TRIALS})`,
    };
  }
  // Every trial gave the same value on both sides (an exact count): the t statistic is 0/0 or
  // x/0, so decide directly: any difference between two constants is a real one.
  if (variance(before) === 0 && variance(after) === 0) {
    const differs = before[0] !== after[0];
    return { verdict: differs ? 'significant' : 'not-significant', pValue: differs ? 0 : 1, test: 'constant' };
  }
  const pValue = ttest(after, before, { varEqual: false, alpha: ALPHA }).pValue();
  return { verdict: pValue < ALPHA ? 'significant' : 'not-significant', pValue, test: 'welch' };
}
