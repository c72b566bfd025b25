// Human output of `npm run compare`: returns strings, the caller prints them (on stderr). Every line
// fits the width it is given: a table too wide for it wraps its cells; with more results than fit
// side by side, the newest are shown, and the older ones are folded into one column of their range.
import path from 'node:path';
import Table from 'cli-table3';
import { ALPHA, MIN_TRIALS, type Judgement } from '../compare/significance.ts';
import type { Change, Difference, FigureComparison, ScenarioComparison } from '../compare/compare.ts';
import type { ThresholdCheck } from '../compare/thresholds.ts';
import { wrapIndented } from './terminal-text.ts';

const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: Math.abs(x) >= 100 ? 0 : 2 });
const signed = (x: number, text: string) => (x > 0 ? `+${text}` : text);
const relative = (file: string) => path.relative(process.cwd(), file) || file;
const show = (value: unknown) => (value === null || value === undefined ? '(none)' : String(value));

export interface CompareTextOptions {
  color?: boolean;
  /** The width every line fits in. */
  columns?: number;
}

function value(figure: FigureComparison, run: number): string {
  const v = figure.values[run];
  if (v === null || v === undefined) return '-';
  const spread = figure.spreads[run];
  return spread && spread.min !== spread.max ? `${n(v)} [${n(spread.min)}–${n(spread.max)}]` : n(v);
}

/** The range of a figure over runs `from` to `to` (inclusive): `1,990–2,010`, or `-` where none has it. */
function range(figure: FigureComparison, from: number, to: number): string {
  const values = figure.values.slice(from, to + 1).filter((v): v is number => v !== null && v !== undefined);
  if (values.length === 0) return '-';
  const [min, max] = [Math.min(...values), Math.max(...values)];
  return min === max ? n(min) : `${n(min)}–${n(max)}`;
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

/**
 * How a table shows its runs. Two results side by side with a column for the change and one for its
 * significance (`wide`) where that fits; otherwise one column per result, each with its change below
 * its value; with more results than fit, the newest, the older ones (from #1 to #`folded`) folded
 * into one column of their range.
 */
interface Layout {
  wide: boolean;
  /** How many of the oldest runs are folded into one column; 0: none. */
  folded: number;
}

/** Columns of a table: its head and its rows' cells, as text. */
type Grid = { head: string[]; rows: [string, ...string[]][] };

function variantGrid(comparison: ScenarioComparison, variant: ScenarioComparison['variants'][number], { wide, folded }: Layout): Grid {
  const count = comparison.runs.length;
  const label = `${variant.name} (${variant.role})`;
  if (wide) {
    return {
      head: [label, '#1', '#2', 'change', 'significance'],
      rows: variant.figures.map((f) => [
        f.label,
        value(f, 0),
        value(f, 1),
        changeText(f.changes[0]),
        f.changes[0] ? judgementText(f.changes[0].judgement) : '-',
      ]),
    };
  }
  const shown = Array.from({ length: count - folded }, (_, i) => folded + i);
  return {
    head: [label, ...(folded > 0 ? [`#1–#${folded}, range`] : []), ...shown.map((i) => `#${i + 1}`)],
    rows: variant.figures.map((f) => [
      f.label,
      ...(folded > 0 ? [range(f, 0, folded - 1)] : []),
      ...shown.map((i) => {
        const change = f.changes[i - 1];
        return i === 0 || !change ? value(f, i) : `${value(f, i)}\n${stepText(change)}`;
      }),
    ]),
  };
}

/** A column's width as cli-table3 draws it: its longest line, and a space on each side. */
const widthOf = (cells: string[]) => Math.max(...cells.flatMap((c) => c.split('\n').map((line) => line.length))) + 2;
const columnWidths = ({ head, rows }: Grid) => head.map((h, i) => widthOf([h, ...rows.map((r) => r[i] ?? '')]));
/** A table's width: its columns and a border before, between and after them. */
const tableWidth = (widths: number[]) => widths.reduce((sum, w) => sum + w, 0) + widths.length + 1;

/**
 * How many of the oldest runs to fold so that the newest fit in `columns` beside the figures'
 * labels and the folded column: none when all fit, or when folding one would not be worth its
 * column (the cells wrap instead); at most all but the newest.
 */
function layoutFor(comparison: ScenarioComparison, columns: number): Layout {
  const count = comparison.runs.length;
  const fitsAsIs = (layout: Layout) => comparison.variants.every((v) => tableWidth(columnWidths(variantGrid(comparison, v, layout))) <= columns);
  if (count === 2 && fitsAsIs({ wide: true, folded: 0 })) return { wide: true, folded: 0 };
  if (count <= 3) return { wide: false, folded: 0 };
  const widths = comparison.variants.map((v) => columnWidths(variantGrid(comparison, v, { wide: false, folded: 0 })));
  const fits = (folded: number) =>
    comparison.variants.every((v, i) => {
      const foldedWidth = folded > 0 ? widthOf([`#1–#${folded}, range`, ...v.figures.map((f) => range(f, 0, folded - 1))]) : null;
      const runs = widths[i]!.slice(1 + folded);
      return tableWidth([widths[i]![0]!, ...(foldedWidth === null ? [] : [foldedWidth]), ...runs]) <= columns;
    });
  if (fits(0)) return { wide: false, folded: 0 };
  for (let folded = 2; folded < count - 1; folded++) if (fits(folded)) return { wide: false, folded };
  return { wide: false, folded: count - 1 };
}

/**
 * Widths that fit `columns`, where a table is wider: the labels keep theirs up to two fifths of the
 * room, and the other columns share the rest fairly (each narrow one keeps its width, the wide ones
 * split what is left; a cell wraps at its spaces). Null when the table fits as it is.
 */
function fittedWidths(natural: number[], columns: number, minimum = 8): number[] | null {
  if (tableWidth(natural) <= columns) return null;
  const room = columns - natural.length - 1;
  const [label, ...others] = natural as [number, ...number[]];
  const labelWidth = Math.max(minimum, Math.min(label, Math.floor((room * 2) / 5)));
  let left = room - labelWidth;
  const widths = new Array<number>(others.length);
  // Narrowest first: each takes its natural width or its fair share of what is left, whichever is less.
  for (const [k, i] of others.map((w, i) => [w, i] as const).sort((a, b) => a[0] - b[0]).map(([, i], k) => [k, i] as const)) {
    const share = Math.floor(left / (others.length - k));
    widths[i] = Math.max(minimum, Math.min(others[i]!, share));
    left -= widths[i]!;
  }
  return [labelWidth, ...widths];
}

function variantTable(grid: Grid, { color = false, columns = Infinity }: CompareTextOptions, compact: boolean): string {
  const widths = fittedWidths(columnWidths(grid), columns);
  const table = new Table({
    head: grid.head,
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact },
    ...(widths && { colWidths: widths, wordWrap: true }),
  });
  for (const [label, ...cells] of grid.rows) table.push({ [label]: cells });
  return table.toString();
}

/** Lines about runs: each run the table shows, and one line for those it folds. */
function runLines(comparison: ScenarioComparison, { folded }: Layout, columns: number): string[] {
  const { runs } = comparison;
  const line = (i: number) => {
    const r = runs[i]!;
    const text = `#${i + 1} ${relative(r.file)}: ${r.startedAt}, ${r.trials} trial${r.trials > 1 ? 's' : ''}, node ${r.node}, kernel ${r.kernel}, commit ${r.commit?.slice(0, 7) ?? '(none)'}`;
    return `  ${wrapIndented(text, columns - 2, '    ')}`;
  };
  const foldedLine =
    folded > 0
      ? [`  ${wrapIndented(`#1–#${folded}: ${folded} older results, ${runs[0]!.startedAt} to ${runs[folded - 1]!.startedAt}, in one column of their range (--json has each)`, columns - 2, '    ')}`]
      : [];
  return [...foldedLine, ...runs.slice(folded).map((_, i) => line(folded + i))];
}

function differenceLines(comparison: ScenarioComparison, { folded }: Layout, columns: number): string[] {
  const step = (i: number) => (comparison.runs.length > 2 ? `#${i + 1} -> #${i + 2}: ` : '');
  const list = (ds: Difference[]) => ds.map((d) => `${d.field} ${show(d.before)} -> ${show(d.after)}`).join('; ');
  // Steps within the folded runs are counted, not listed.
  const hidden = comparison.differences.slice(0, Math.max(0, folded - 1)).filter((ds) => ds.length > 0).length;
  const lines = comparison.differences.flatMap((ds, i) => (i >= folded - 1 && ds.length > 0 ? [`  ${wrapIndented(`${step(i)}${list(ds)}`, columns - 2, '    ')}`] : []));
  if (hidden > 0) lines.unshift(`  ${hidden} step${hidden > 1 ? 's' : ''} among #1–#${folded} with differences (--json lists them)`);
  return lines.length > 0
    ? ['Differences in environment and settings that can explain a change:', ...lines]
    : ['Environment and settings: no difference.'];
}

export function formatComparison(comparison: ScenarioComparison, options: CompareTextOptions = {}): string {
  const columns = options.columns ?? Infinity;
  const layout = layoutFor(comparison, columns);
  const judged = comparison.variants.some((v) => v.figures.some((f) => f.changes.some((c) => c && c.judgement.verdict !== 'cannot-judge')));
  return [
    `${comparison.scenario}: ${comparison.runs.length} results, oldest first`,
    ...runLines(comparison, layout, columns),
    ...differenceLines(comparison, layout, columns),
    ...comparison.variants.flatMap((v) => [
      variantTable(variantGrid(comparison, v, layout), options, layout.wide),
      `  ${wrapIndented(`${v.name}: ${v.description}`, columns - 2, '    ')}`,
    ]),
    wrapIndented(`Figures are medians of the trials [min–max]${layout.folded > 0 ? '; a range is the lowest and highest median of the results it folds' : ''}.`, columns, ''),
    wrapIndented(
      judged
        ? `Significance: Welch's t-test on the trials, significant when p < ${ALPHA} ("noise" otherwise); "?" and "cannot judge": fewer than ${MIN_TRIALS} trials on a side.`
        : `Significance: cannot be judged; it needs ${MIN_TRIALS} or more trials in each result (npm run scenario -- <name> --repeat ${MIN_TRIALS}).`,
      columns,
      '',
    ),
  ].join('\n');
}

export function formatThresholdChecks(checks: ThresholdCheck[]): string {
  return checks
    .map((c) => `  ${c.crossed ? 'CROSSED' : 'ok     '}  ${c.threshold} in ${c.scenario}: ${n(c.before)} -> ${n(c.after)}, ${changeText(c.change)}`)
    .join('\n');
}
