// Checks a scenario's claims against the summaries measured on this kernel.
import { figureLabel, figureOf, figureValue, formatFigure } from '../result/figures.ts';
import type { Bound, Claim, ClaimMetric, VariantRun } from './contract.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import type { Result, VariantSummary } from '../result/schema.ts';
import { formatCount } from '../shared/numbers.ts';

/** A claim checked: what the result file records of it. */
export type ClaimResult = Result['claims'][number];
/** A claim the run's load was not made for (too short to show it): what the result file records of it. */
export type ClaimNotChecked = NonNullable<Result['claimsNotChecked']>[number];

/**
 * What a claim needs that its variant's run did not have, in words: the load its condition asks for,
 * or the kernel's trace for a traced figure (docs/ledger.md); null when it can be checked. A variant
 * that did not run to its end has no summary: its claims are checked, and fail.
 */
function unmet(claim: Claim, run: VariantRun): string | null {
  if (claim.when && !claim.when.value(run)) return claim.when.text;
  const ledger = run.summary?.connections;
  if (run.summary && figureOf(claim.metric)?.traced && !ledger?.traced) return `the kernel's trace of the connections (${ledger?.whyNotTraced ?? 'none in this result'})`;
  // The lab's own server counts the requests of each connection; a --target server does not report them.
  if (run.summary && claim.metric.startsWith('connections.requestsPerConnection.') && metricValue(run.summary, claim.metric) === null) {
    return "the server's count of requests per connection, which the lab's own server keeps and a --target server does not report";
  }
  return null;
}

/** The claims whose condition the run of their variant did not meet, with what they need. */
export function claimsNotChecked(claims: Claim[], runOf: (variant: string) => VariantRun): ClaimNotChecked[] {
  return claims.flatMap((claim) => {
    const needs = unmet(claim, runOf(claim.variant));
    return needs === null ? [] : [{ text: `${claim.variant}: ${figureLabel(claim.metric)}: not checked, it needs ${needs}`, variant: claim.variant, metric: claim.metric }];
  });
}

/** A claim the run's interruption left unmeasured: not checked, rather than failed. */
export const interruptedClaim = ({ variant, metric }: ClaimResult): ClaimNotChecked => ({
  text: `${variant}: ${figureLabel(metric)}: not checked, the run was interrupted before it was measured`,
  variant,
  metric,
});

/** The figure a metric names, or null when the summary has none (a client counter nobody reported, a count nobody kept). */
export const metricValue = (summary: VariantSummary, metric: ClaimMetric): number | null => figureValue(summary, metric) ?? null;

/** Why a claim measured nothing. */
function nothing(summary: VariantSummary | undefined, metric: ClaimMetric): string {
  if (!summary) return 'the variant did not run to its end';
  if (metric.startsWith('clientCounters.')) return 'the client did not report it';
  if (metric.startsWith('projection.')) return 'the run did not reach what the projection predicts (no plateau, or no EADDRNOTAVAIL)';
  return 'this run could not count it';
}

/** The same figure of another variant of the run; null when it did not measure it. */
type OtherVariant = (name: string) => number | null;

/**
 * A derived bound needs the run's load; a measurement has none, and its claims (--expect) are plain
 * numbers. null: the bound is another variant's figure, which it did not measure.
 */
function resolve(bound: Bound, load: LoadSettings | null, other: OtherVariant): number | null {
  if (typeof bound === 'number') return bound;
  if (!load) throw new Error(`claims: the bound "${bound.text}" needs the run's load, and this run has none`);
  return bound.value(load, other);
}
function describe(bound: Bound, value: number | null, metric: ClaimMetric): string {
  if (typeof bound === 'number') return format(bound, metric);
  return `${bound.text} = ${value === null ? 'nothing measured' : format(value, metric)}`;
}
/** A count with separators, a fraction with two decimals; a time held in ms in seconds (`60.02 s`), as the table shows it. */
function format(n: number, metric: ClaimMetric): string {
  const figure = figureOf(metric);
  if (figure?.unit === 'time') return formatFigure(figure, n);
  return Number.isInteger(n) ? formatCount(n) : n.toFixed(2);
}

/** Each bound a claim may set: its operator and whether a value holds it. */
const BOUNDS = [
  ['atLeast', '>=', (value: number, bound: number) => value >= bound],
  ['atMost', '<=', (value: number, bound: number) => value <= bound],
  ['above', '>', (value: number, bound: number) => value > bound],
  ['below', '<', (value: number, bound: number) => value < bound],
] as const;

/**
 * `runOf`: how each variant ran; a bound that depends on the load is taken from its load, and a
 * claim whose run did not meet what it needs is left out (claimsNotChecked lists it).
 */
export function checkClaims(claims: Claim[], runOf: (variant: string) => VariantRun): ClaimResult[] {
  return claims.filter((claim) => unmet(claim, runOf(claim.variant)) === null).map((claim) => {
    const { load, summary } = runOf(claim.variant);
    const measured = summary ? metricValue(summary, claim.metric) : null;
    const other: OtherVariant = (name) => {
      const theirs = runOf(name).summary;
      return theirs ? metricValue(theirs, claim.metric) : null;
    };
    const set = BOUNDS.flatMap(([key, op, holds]) => {
      const bound = claim[key];
      return bound === undefined ? [] : [{ key, op, holds, bound, value: resolve(bound, load, other) }];
    });
    const held = measured !== null && set.every((b) => b.value !== null && b.holds(measured, b.value));
    const bounds = set.map((b) => `${b.op} ${describe(b.bound, b.value, claim.metric)}`);
    const text = `${claim.variant}: ${figureLabel(claim.metric)} ${bounds.join(' and ')} (measured ${
      measured === null ? `nothing: ${nothing(summary, claim.metric)}` : format(measured, claim.metric)
    })`;
    return { text, held, variant: claim.variant, metric: claim.metric, measured, ...Object.fromEntries(set.flatMap((b) => (b.value === null ? [] : [[b.key, b.value]]))) };
  });
}
