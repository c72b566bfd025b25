// Checks a scenario's claims against the summaries measured on this kernel.
import { figureLabel, figureValue } from './figures.ts';
import type { Bound, Claim, ClaimMetric, LoadSettings } from '../scenario/contract.ts';
import type { Result, VariantSummary } from './schema.ts';
import { formatCount } from '../shared/numbers.ts';

/** A claim checked: what the result file records of it. */
export type ClaimResult = Result['claims'][number];

/** The figure a metric names, or null when the summary has none (a client counter nobody reported, a count nobody kept). */
export const metricValue = (summary: VariantSummary, metric: ClaimMetric): number | null => figureValue(summary, metric) ?? null;

/** Why a claim measured nothing. */
function nothing(summary: VariantSummary | undefined, metric: ClaimMetric): string {
  if (!summary) return 'the variant did not run to its end';
  return metric.startsWith('clientCounters.') ? 'the client did not report it' : 'this run could not count it';
}

/** A derived bound needs the run's load; a measurement has none, and its claims (--expect) are plain numbers. */
function resolve(bound: Bound, load: LoadSettings | null): number {
  if (typeof bound === 'number') return bound;
  if (!load) throw new Error(`claims: the bound "${bound.text}" needs the run's load, and this run has none`);
  return bound.value(load);
}
const describe = (bound: Bound, load: LoadSettings | null) => (typeof bound === 'number' ? format(bound) : `${bound.text} = ${format(resolve(bound, load))}`);
const format = (n: number) => (Number.isInteger(n) ? formatCount(n) : n.toFixed(2));

/** Each bound a claim may set: its operator and whether a value holds it. */
const BOUNDS = [
  ['atLeast', '>=', (value: number, bound: number) => value >= bound],
  ['atMost', '<=', (value: number, bound: number) => value <= bound],
  ['above', '>', (value: number, bound: number) => value > bound],
  ['below', '<', (value: number, bound: number) => value < bound],
] as const;

export function checkClaims(claims: Claim[], summaries: Map<string, VariantSummary>, load: LoadSettings | null): ClaimResult[] {
  return claims.map((claim) => {
    const summary = summaries.get(claim.variant);
    const measured = summary ? metricValue(summary, claim.metric) : null;
    const set = BOUNDS.flatMap(([key, op, holds]) => {
      const bound = claim[key];
      return bound === undefined ? [] : [{ key, op, holds, bound, value: resolve(bound, load) }];
    });
    const held = measured !== null && set.every((b) => b.holds(measured, b.value));
    const bounds = set.map((b) => `${b.op} ${describe(b.bound, load)}`);
    const text = `${claim.variant}: ${figureLabel(claim.metric)} ${bounds.join(' and ')} (measured ${
      measured === null ? `nothing: ${nothing(summary, claim.metric)}` : format(measured)
    })`;
    return { text, held, variant: claim.variant, metric: claim.metric, measured, ...Object.fromEntries(set.map((b) => [b.key, b.value])) };
  });
}
