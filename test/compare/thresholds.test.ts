// --fail-if: the syntax, checked strictly, and thresholds that pass and fail on real results.
import { describe, expect, test } from 'vitest';
import { compareResults } from '../../harness/compare/compare.ts';
import { checkThresholds, parseThreshold } from '../../harness/compare/thresholds.ts';
import { loadFixture } from '../support/results-fixtures.ts';

const first = await loadFixture('no-body-close-1.json');
const concurrency10 = await loadFixture('no-body-close-3-concurrency-10.json');

describe('parseThreshold', () => {
  test('a change in percent, a change in units, a value', () => {
    expect(parseThreshold('bad.timeWait.clientSide.peak > +10%')).toEqual({
      text: 'bad.timeWait.clientSide.peak > +10%',
      variant: 'bad',
      figure: 'timeWait.clientSide.peak',
      op: '>',
      kind: 'percent',
      limit: 10,
    });
    expect(parseThreshold('good.reqPerSec<-5.5%')).toMatchObject({ op: '<', kind: 'percent', limit: -5.5 });
    expect(parseThreshold('good.connectionsOpened >= +5')).toMatchObject({ op: '>=', kind: 'change', limit: 5 });
    expect(parseThreshold('bad.requests.failed <= 0')).toMatchObject({ op: '<=', kind: 'value', limit: 0 });
    expect(parseThreshold('bad.requests.errorsByCode.EADDRNOTAVAIL > 0')).toMatchObject({ figure: 'requests.errorsByCode.EADDRNOTAVAIL' });
  });

  test.each([
    ['bad.timeWait.clientSide.peak', /expected <variant>\.<figure> <op> <limit>/],
    ['bad.timeWait.clientSide.peak = 3', /expected <variant>\.<figure> <op> <limit>/],
    ['timeWait > +10%', /expected <variant>\.<figure> <op> <limit>/],
    ['bad.timeWait.peek > +10%', /"timeWait.peek" is not a figure of a variant's summary; figures: requests.total, /],
    ['bad.requests.firstFailure > 1', /"requests.firstFailure" is not a figure/],
    ['bad.connectionsOpened > 10%', /a percentage is a change and needs a sign: \+10% or -10%/],
  ])('rejects %j', (text, message) => {
    expect(() => parseThreshold(text)).toThrow(message);
    expect(() => parseThreshold(text)).toThrow(new RegExp(`^--fail-if '${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': `));
  });
});

describe('checkThresholds', () => {
  // From 20 to 10 concurrent workers: the fix keeps one connection per worker, so it opens half as many.
  const comparison = compareResults([first, concurrency10], ['requests.errorsByCode.EADDRNOTAVAIL']);
  const check = (text: string) => checkThresholds([parseThreshold(text)], [comparison])[0]!;

  test('a change in percent that crosses, and one that does not', () => {
    expect(check('good.connectionsOpened < -40%')).toMatchObject({ crossed: true, measured: -50, before: 20, after: 10 });
    expect(check('good.connectionsOpened < -60%')).toMatchObject({ crossed: false, measured: -50 });
  });

  test('a change in units and a value', () => {
    expect(check('good.connectionsOpened <= -10')).toMatchObject({ crossed: true, measured: -10 });
    // One connection per request in both runs: no change at all.
    expect(check('bad.connectionsOpened > +0')).toMatchObject({ crossed: false, measured: 0 });
    expect(check('bad.connectionsOpened >= 300')).toMatchObject({ crossed: true, measured: 300 });
    expect(check('bad.requests.errorsByCode.EADDRNOTAVAIL > 0')).toMatchObject({ crossed: false, measured: 0 });
  });

  test('a rise from 0 crosses any percentage rise, and its measured % is null', () => {
    const rising = structuredClone(concurrency10);
    const bad = rising.result.variants.find((v) => v.name === 'bad')!;
    for (const s of [bad.summary, ...bad.trials.map((t) => t.summary)]) s.timeWait.serverSide.peak = 5;
    const fromZero = compareResults([first, rising]);
    const result = checkThresholds([parseThreshold('bad.timeWait.serverSide.peak > +1000%')], [fromZero])[0]!;
    expect(first.result.variants[0]!.summary.timeWait.serverSide.peak).toBe(0);
    expect(result).toMatchObject({ crossed: true, measured: null, change: { percent: null, absolute: 5 } });
  });

  test('a variant no compared result has is bad input, not a pass', () => {
    expect(() => check('bounded.connectionsOpened > +1%')).toThrow(
      `--fail-if 'bounded.connectionsOpened > +1%': no compared scenario has variant "bounded" in its two newest results (variants: bad, good)`,
    );
  });
});
