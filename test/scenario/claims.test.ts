// Claims are checked against summaries: bounds, derived bounds, the words that explain them.
import { expect, test } from 'vitest';
import { checkClaims, claimsNotChecked } from '../../harness/scenario/claims.ts';
import { times } from '../../harness/shapes/bounds.ts';
import { type LoadSettings } from '../../harness/shapes/load-settings.ts';
import type { VariantSummary } from '../../harness/result/schema.ts';

const load: LoadSettings = { requests: 1000, concurrency: 20, pattern: 'steady', burstGapMs: 0 };
/** How each variant ran: the load above, no drain, and its summary. */
const runs = (summaries: [string, VariantSummary][]) => (variant: string) => ({ load, drains: false, summary: new Map(summaries).get(variant) });
/** A measurement's runs (npm run measure): no load. */
const measurement = (summaries: [string, VariantSummary][]) => (variant: string) => ({ load: null, drains: false, summary: new Map(summaries).get(variant) });
const summary = (connectionsOpened: number, clientTw: number) =>
  ({
    connectionsOpened,
    connectionsPerRequest: connectionsOpened / load.requests,
    timeWait: { clientSide: { peak: clientTw, atEnd: clientTw }, serverSide: { peak: 0, atEnd: 0 }, total: { peak: clientTw } },
  }) as VariantSummary;

test('a derived bound is computed from the effective load and explained', () => {
  const [held, failed] = checkClaims(
    [
      { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
      { variant: 'bad', metric: 'timeWait.clientSide.peak', atLeast: times(0.9, 'requests') },
    ],
    runs([
      ['good', summary(20, 20)],
      ['bad', summary(1000, 899)],
    ]),
  );
  expect(held).toMatchObject({ held: true, measured: 20, atMost: 20 });
  expect(held?.text).toBe('good: connections the server accepted <= concurrency = 20 (measured 20)');
  expect(failed).toMatchObject({ held: false, measured: 899, atLeast: 900 });
  expect(failed?.text).toBe('bad: TIME_WAIT peak, client side >= 0.9 × requests = 900 (measured 899)');
});

test('both bounds at once, and a plain number', () => {
  const [claim] = checkClaims([{ variant: 'bad', metric: 'connectionsPerRequest', atLeast: 0.9, atMost: 1 }], runs([['bad', summary(950, 0)]]));
  expect(claim).toMatchObject({ held: true, measured: 0.95 });
  expect(claim?.text).toContain('>= 0.90 and <= 1');
});

test('a claim about a variant that did not run does not hold', () => {
  const [claim] = checkClaims([{ variant: 'gone', metric: 'connectionsOpened', atMost: 1 }], runs([]));
  expect(claim).toMatchObject({ held: false, measured: null });
  expect(claim?.text).toContain('the variant did not run');
});

test('a claim on a client counter holds or fails on the count the client reported', () => {
  const counters = { clientCounters: { dnsLookups: 100 } } as unknown as VariantSummary;
  const [held, failed] = checkClaims(
    [
      { variant: 'bad', metric: 'clientCounters.dnsLookups', atLeast: times(0.09, 'requests') },
      { variant: 'bad', metric: 'clientCounters.dnsLookups', atMost: 10 },
    ],
    runs([['bad', counters]]),
  );
  expect(held).toMatchObject({ held: true, measured: 100, text: 'bad: client-reported dnsLookups >= 0.09 × requests = 90 (measured 100)' });
  expect(failed).toMatchObject({ held: false, measured: 100 });
});

test('a claim on a client counter the client did not report does not hold, and says so', () => {
  const [claim] = checkClaims(
    [{ variant: 'bad', metric: 'clientCounters.retries', atLeast: 1 }],
    runs([['bad', { clientCounters: {} } as unknown as VariantSummary]]),
  );
  expect(claim).toMatchObject({ held: false, measured: null });
  expect(claim?.text).toBe('bad: client-reported retries >= 1 (measured nothing: the client did not report it)');
});

test('an error code the run never saw occurred 0 times', () => {
  const withErrors = (errorsByCode: Record<string, number>) => ({ requests: { errorsByCode } }) as unknown as VariantSummary;
  const [none, some] = checkClaims(
    [
      { variant: 'good', metric: 'requests.errorsByCode.EADDRNOTAVAIL', atMost: 0 },
      { variant: 'bad', metric: 'requests.errorsByCode.EADDRNOTAVAIL', atLeast: 1 },
    ],
    runs([
      ['good', withErrors({ ECONNRESET: 3 })],
      ['bad', withErrors({ EADDRNOTAVAIL: 500 })],
    ]),
  );
  expect(none).toMatchObject({ held: true, measured: 0 });
  expect(some).toMatchObject({ held: true, measured: 500 });
  expect(some?.text).toBe('bad: requests failed with EADDRNOTAVAIL (no local port left) >= 1 (measured 500)');
});

test('strict bounds (--expect with < or >): the bound itself does not hold', () => {
  const [atBound, below, above] = checkClaims(
    [
      { variant: 'one', metric: 'connectionsOpened', below: 1 },
      { variant: 'one', metric: 'connectionsOpened', below: 2 },
      { variant: 'one', metric: 'connectionsOpened', above: 0 },
    ],
    measurement([['one', summary(1, 1)]]),
  );
  expect(atBound).toMatchObject({ held: false, measured: 1, below: 1 });
  expect(atBound?.text).toBe('one: connections the server accepted < 1 (measured 1)');
  expect(below).toMatchObject({ held: true, below: 2 });
  expect(above).toMatchObject({ held: true, above: 0 });
  expect(above?.text).toBe('one: connections the server accepted > 0 (measured 1)');
});

test('a derived bound needs the run\'s load: a measurement, which has none, cannot use one', () => {
  expect(() => checkClaims([{ variant: 'one', metric: 'connectionsOpened', atMost: times(1, 'concurrency') }], measurement([]))).toThrow(/needs the run's load/);
});

test('a claim whose condition the run did not meet is not checked, and says what it needs', () => {
  const claims = [
    { variant: 'bad', metric: 'connectionsOpened' as const, atLeast: 1, when: { text: 'a load of 5,000 requests or more', value: ({ load }: { load: LoadSettings | null }) => (load?.requests ?? 0) >= 5000 } },
    { variant: 'bad', metric: 'connectionsOpened' as const, atLeast: 1 },
  ];
  const run = runs([['bad', summary(1000, 0)]]);
  expect(checkClaims(claims, run)).toEqual([expect.objectContaining({ metric: 'connectionsOpened', held: true, atLeast: 1 })]);
  expect(claimsNotChecked(claims, run)).toEqual([
    { text: 'bad: connections the server accepted: not checked, it needs a load of 5,000 requests or more', variant: 'bad', metric: 'connectionsOpened' },
  ]);
});
