// Human output of `npm run compare`: returns strings, the caller prints them (on stderr).
import path from 'node:path';
import Table from 'cli-table3';
import { ALPHA, MIN_TRIALS, type Judgement } from '../compare/significance.ts';
import type { Change, Difference, FigureComparison, ScenarioComparison } from '../compare/compare.ts';
import type { ThresholdCheck } from '../compare/thresholds.ts';

const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: Math.abs(x) >= 100 ? 0 : 2 });
const signed = (x: number, text: string) => (x > 0 ? `+${text}` : text);
const relative = (file: string) => path.relative(process.cwd(), file) || file;
const show = (value: unknown) => (value === null || value === undefined ? '(none)' : String(value));

function value(figure: FigureComparison, run: number): string {
  const v = figure.values[run];
  if (v === null || v === undefined) return '-';
  const spread = figure.spreads[run];
  return spread && spread.min !== spread.max ? `${n(v)} [${n(spread.min)}–${n(spread.max)}]` : n(v);
}

function changeText(change: Change | null | undefined): string {
  if (!change) return '-';
  if (change.absolute === 0) return 'no change';
  const percent = change.percent === null ? 'from 0' : signed(change.percent, `${change.percent.toFixed(1)}%`);
  return `${signed(change.absolute, n(change.absolute))} (${percent})`;
}

function judgementText(judgement: Judgement): string {
  if (judgement.verdict === 'cannot-judge') return 'cannot judge';
  const word = judgement.verdict === 'significant' ? 'significant' : 'not significant';
  return `${word} (${judgement.test === 'constant' ? 'every trial equal' : `p=${judgement.pValue.toPrecision(2)}`})`;
}

/** The second line of a cell in a table of several runs: the change, and a word when it is judged. */
function stepText(change: Change): string {
  const { verdict } = change.judgement;
  if (change.absolute === 0 && verdict !== 'significant') return 'no change';
  return `${changeText(change)} ${verdict === 'significant' ? 'significant' : verdict === 'cannot-judge' ? '?' : 'noise'}`;
}

function differenceLines(comparison: ScenarioComparison): string[] {
  const step = (i: number) => (comparison.runs.length > 2 ? `#${i + 1} -> #${i + 2}: ` : '');
  const list = (ds: Difference[]) => ds.map((d) => `${d.field} ${show(d.before)} -> ${show(d.after)}`).join('; ');
  const lines = comparison.differences.flatMap((ds, i) => (ds.length > 0 ? [`  ${step(i)}${list(ds)}`] : []));
  return lines.length > 0
    ? ['Differences in environment and settings that can explain a change:', ...lines]
    : ['Environment and settings: no difference.'];
}

/** Two runs: value, value, change, significance. More: one column per run, each with its change. */
function variantTable(comparison: ScenarioComparison, variant: ScenarioComparison['variants'][number], color: boolean): string {
  const runs = comparison.runs.map((_, i) => `#${i + 1}`);
  const two = runs.length === 2;
  const table = new Table({
    head: [`${variant.name} (${variant.role})`, ...runs, ...(two ? ['change', 'significance'] : [])],
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: two },
  });
  for (const figure of variant.figures) {
    const cells = two
      ? [value(figure, 0), value(figure, 1), changeText(figure.changes[0]), figure.changes[0] ? judgementText(figure.changes[0].judgement) : '-']
      : runs.map((_, i) => {
          const change = figure.changes[i - 1];
          return i === 0 || !change ? value(figure, i) : `${value(figure, i)}\n${stepText(change)}`;
        });
    table.push({ [figure.label]: cells });
  }
  return table.toString();
}

export function formatComparison(comparison: ScenarioComparison, color = false): string {
  const judged = comparison.variants.some((v) => v.figures.some((f) => f.changes.some((c) => c && c.judgement.verdict !== 'cannot-judge')));
  return [
    `${comparison.scenario}: ${comparison.runs.length} results, oldest first`,
    ...comparison.runs.map(
      (r, i) =>
        `  #${i + 1} ${relative(r.file)}: ${r.startedAt}, ${r.trials} trial${r.trials > 1 ? 's' : ''}, node ${r.node}, kernel ${r.kernel}, commit ${r.commit?.slice(0, 7) ?? '(none)'}`,
    ),
    ...differenceLines(comparison),
    ...comparison.variants.flatMap((v) => [variantTable(comparison, v, color), `  ${v.name}: ${v.description}`]),
    'Figures are medians of the trials [min–max].',
    judged
      ? `Significance: Welch's t-test on the trials, significant when p < ${ALPHA} ("noise" otherwise); "?" and "cannot judge": fewer than ${MIN_TRIALS} trials on a side.`
      : `Significance: cannot be judged; it needs ${MIN_TRIALS} or more trials in each result (npm run scenario -- <name> --repeat ${MIN_TRIALS}).`,
  ].join('\n');
}

export function formatThresholdChecks(checks: ThresholdCheck[]): string {
  return checks
    .map((c) => `  ${c.crossed ? 'CROSSED' : 'ok     '}  ${c.threshold} in ${c.scenario}: ${n(c.before)} -> ${n(c.after)}, ${changeText(c.change)}`)
    .join('\n');
}
