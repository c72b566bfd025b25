// Types for the part of `ttest` (AndreasMadsen/ttest, plain JavaScript) the lab uses.
declare module 'ttest' {
  interface Options {
    mu?: number;
    /** false (the default): Welch's test, which does not assume equal variances. */
    varEqual?: boolean;
    alpha?: number;
    alternative?: 'not equal' | 'less' | 'greater';
  }
  interface TestResult {
    testValue(): number;
    pValue(): number;
    freedom(): number;
    /** True when the null hypothesis (no difference) is kept at level alpha. */
    valid(): boolean;
  }
  function ttest(left: number[], right: number[], options?: Options): TestResult;
  export default ttest;
}
