// `--fail-if 'bad.timeWait.clientSide.peak > +10%'`: a threshold on one figure of one variant,
// checked on the newest result against the one before it, so that a CI job can gate on it.
//
//   <variant>.<figure> <op> <limit>     op: >  >=  <  <=
//   limit +10% / -10%   the change from the older to the newer result, in percent
//   limit +50  / -50    the change, in the figure's own unit
//   limit 500           the newer result's value itself
import { UsageError } from '../shared/errors.ts';
import { FIGURE_NAMES_TEXT, isFigure } from '../result/figures.ts';
import type { Change, ScenarioComparison } from './compare.ts';

export const THRESHOLD_SYNTAX = '<variant>.<figure> <op> <limit>, op one of > >= < <=, limit +10% or -10% (change in %), +50 or -50 (change), 50 (value)';

type Op = '>' | '>=' | '<' | '<=';

export interface Threshold {
  text: string;
  variant: string;
  figure: string;
  op: Op;
  kind: 'percent' | 'change' | 'value';
  limit: number;
}

export interface ThresholdCheck {
  threshold: string;
  scenario: string;
  /** The figure in the older and the newer of the two newest results, and the change between them. */
  before: number;
  after: number;
  change: Change;
  /** What the threshold speaks of: the change in % or in units, or the newer value; null for a % change from 0. */
  measured: number | null;
  crossed: boolean;
}

const GRAMMAR = /^\s*([a-z0-9-]+)\.([A-Za-z0-9_.]+)\s*(>=|<=|>|<)\s*([+-]?)(\d+(?:\.\d+)?)(%?)\s*$/;

export function parseThreshold(text: string): Threshold {
  const fail = (why: string) => new UsageError(`--fail-if '${text}': ${why}`);
  const match = GRAMMAR.exec(text);
  if (!match) throw fail(`expected ${THRESHOLD_SYNTAX}; for example 'bad.timeWait.clientSide.peak > +10%'`);
  const [, variant, figure, op, sign, digits, percent] = match as unknown as [string, string, string, Op, string, string, string];
  if (!isFigure(figure)) {
    throw fail(`"${figure}" is not a figure of a variant's summary; figures: ${FIGURE_NAMES_TEXT}`);
  }
  if (percent && !sign) throw fail(`a percentage is a change and needs a sign: +${digits}% or -${digits}%`);
  const kind = percent ? 'percent' : sign ? 'change' : 'value';
  return { text: text.trim(), variant, figure, op, kind, limit: Number(`${sign}${digits}`) };
}

const crosses = (measured: number, op: Op, limit: number) =>
  op === '>' ? measured > limit : op === '>=' ? measured >= limit : op === '<' ? measured < limit : measured <= limit;

function check(threshold: Threshold, comparison: ScenarioComparison): ThresholdCheck | null {
  const row = comparison.variants.find((v) => v.name === threshold.variant)?.figures.find((f) => f.figure === threshold.figure);
  const [before, after] = row?.values.slice(-2) ?? [];
  const change = row?.changes.at(-1);
  if (before == null || after == null || !change) return null;
  // A change in % from 0 is infinite: any rise crosses a `> +N%`, any fall a `< -N%`.
  const percent = change.percent ?? (change.absolute > 0 ? Infinity : -Infinity);
  const measured = threshold.kind === 'percent' ? percent : threshold.kind === 'change' ? change.absolute : after;
  return {
    threshold: threshold.text,
    scenario: comparison.scenario,
    before,
    after,
    change,
    measured: Number.isFinite(measured) ? measured : null,
    crossed: crosses(measured, threshold.op, threshold.limit),
  };
}

/** The variant ran in both newest results of a comparison: some figure of it has a value in each. */
const ranInBothNewest = (comparison: ScenarioComparison, variant: string) =>
  [-2, -1].every((i) => comparison.variants.find((v) => v.name === variant)?.figures.some((f) => f.values.at(i) != null));

/**
 * Each threshold on every comparison whose two newest results have its variant. A threshold that
 * no comparison can answer is bad input: a gate that checks nothing must not pass quietly.
 */
export function checkThresholds(thresholds: Threshold[], comparisons: ScenarioComparison[]): ThresholdCheck[] {
  return thresholds.flatMap((threshold) => {
    const checks = comparisons.flatMap((c) => check(threshold, c) ?? []);
    if (checks.length === 0) {
      const ran = comparisons.filter((c) => ranInBothNewest(c, threshold.variant)).map((c) => c.scenario);
      const variants = [...new Set(comparisons.flatMap((c) => c.variants.map((v) => v.name)))];
      throw new UsageError(
        ran.length > 0
          ? `--fail-if '${threshold.text}': ${threshold.figure} was not counted in both of the two newest results of ${ran.join(', ')} (a version 1 result, or a --target without a control endpoint, lacks some counts): nothing to judge`
          : `--fail-if '${threshold.text}': no compared scenario has variant "${threshold.variant}" in its two newest results (variants: ${variants.join(', ')})`,
      );
    }
    return checks;
  });
}
