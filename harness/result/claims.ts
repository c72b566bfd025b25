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

const resolve = (bound: Bound, load: LoadSettings) => (typeof bound === 'number' ? bound : bound.value(load));
const describe = (bound: Bound, load: LoadSettings) =>
  typeof bound === 'number' ? format(bound) : `${bound.text} = ${format(bound.value(load))}`;
const format = (n: number) => (Number.isInteger(n) ? formatCount(n) : n.toFixed(2));

export function checkClaims(claims: Claim[], summaries: Map<string, VariantSummary>, load: LoadSettings): ClaimResult[] {
  return claims.map((claim) => {
    const summary = summaries.get(claim.variant);
    const measured = summary ? metricValue(summary, claim.metric) : null;
    const atLeast = claim.atLeast === undefined ? undefined : resolve(claim.atLeast, load);
    const atMost = claim.atMost === undefined ? undefined : resolve(claim.atMost, load);
    const bounds = [
      claim.atLeast === undefined ? null : `>= ${describe(claim.atLeast, load)}`,
      claim.atMost === undefined ? null : `<= ${describe(claim.atMost, load)}`,
    ].filter(Boolean);
    const held =
      measured !== null && (atLeast === undefined || measured >= atLeast) && (atMost === undefined || measured <= atMost);
    const text = `${claim.variant}: ${figureLabel(claim.metric)} ${bounds.join(' and ')} (measured ${
      measured === null ? `nothing: ${nothing(summary, claim.metric)}` : format(measured)
    })`;
    return { text, held, variant: claim.variant, metric: claim.metric, measured, atLeast, atMost };
  });
}
