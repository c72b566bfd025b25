// The scenario's story and its client code, for the terminal: what goes wrong, why, the fix, then
// each misconfigured client next to its fix. The code is the source of the functions that run
// (`makeClient.toString()`: Node's type stripping keeps the text as written), never a copy.
import { lineDiff, sideBySide, type DiffLine } from './line-diff.ts';
import { styler, wrapIndented } from './terminal-text.ts';
import type { Scenario, Variant } from './scenario.ts';

/** A variant's client factory as it is written in its scenario file, re-indented to column 0. */
export function clientSource(variant: Pick<Variant, 'makeClient'>): string[] {
  const [first = '', ...rest] = variant.makeClient.toString().split('\n');
  // The first line starts where the function does; the others keep the file's indentation.
  const indents = rest.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = Math.min(...indents, Infinity);
  return [first, ...rest.map((l) => l.slice(Number.isFinite(cut) ? cut : 0))];
}

/** The first misconfigured variant against every fix, and every other misconfigured one against the first fix. */
export function codePairs(scenario: Scenario): [Variant, Variant][] {
  const bad = scenario.variants.filter((v) => v.role === 'misconfigured');
  const good = scenario.variants.filter((v) => v.role === 'fix');
  const [firstBad, firstGood] = [bad[0], good[0]];
  if (!firstBad || !firstGood) return [];
  return [...good.map((g): [Variant, Variant] => [firstBad, g]), ...bad.slice(1).map((b): [Variant, Variant] => [b, firstGood])];
}

export interface TextOptions {
  columns: number;
  color: boolean;
}

/** Prose stays readable up to this width, however wide the terminal. */
const PROSE_COLUMNS = 100;

export function formatStory(scenario: Scenario, { columns, color }: TextOptions): string {
  const style = styler(color);
  const width = Math.min(columns, PROSE_COLUMNS);
  const label = (text: string) => style('bold', text.padEnd(17));
  const part = (name: string, text: string) => `  ${label(name)}${wrapIndented(text, width - 19, ' '.repeat(19))}`;
  return [
    style('bold', wrapIndented(`${scenario.name}: ${scenario.summary}`, width, '')),
    '',
    part('What goes wrong', scenario.explanation.problem),
    part('Why', scenario.explanation.why),
    part('The fix', scenario.explanation.fix),
  ].join('\n');
}

const MARK = { same: ' ', removed: '-', added: '+' } as const;

function codeLine(line: DiffLine | null, width: number, style: ReturnType<typeof styler>): string {
  if (!line) return ' '.repeat(width + 2);
  const text = `${MARK[line.kind]} ${line.text.padEnd(width)}`;
  return line.kind === 'removed' ? style('red', text) : line.kind === 'added' ? style('green', text) : text;
}

/** One pair, side by side when the terminal is wide enough for both, as a unified diff otherwise. */
export function formatCodePair(bad: Variant, good: Variant, { columns, color }: TextOptions): string {
  const style = styler(color);
  const diff = lineDiff(clientSource(bad), clientSource(good));
  const width = Math.max(...diff.map((l) => l.text.length));
  const heading = (v: Variant) => `${v.name} (${v.role}): ${v.summary}`;
  const sideBySideWidth = 2 * (width + 2) + 3;
  if (sideBySideWidth <= columns) {
    const rows = sideBySide(diff).map((r) => `${codeLine(r.left, width, style)} │ ${codeLine(r.right, width, style)}`.trimEnd());
    return [style('bold', `- ${heading(bad)}`), style('bold', `+ ${heading(good)}`), ...rows].join('\n');
  }
  return [style('bold', `- ${heading(bad)}`), style('bold', `+ ${heading(good)}`), ...diff.map((l) => codeLine(l, 0, style).trimEnd())].join('\n');
}

export function formatCode(scenario: Scenario, options: TextOptions): string {
  const pairs = codePairs(scenario).map(([bad, good]) => formatCodePair(bad, good, options));
  return [`The client code, as scenarios/${scenario.name}.ts runs it:`, ...pairs].join('\n\n');
}

export function formatExplanation(scenario: Scenario, options: TextOptions): string {
  return `${formatStory(scenario, options)}\n\n${formatCode(scenario, options)}`;
}
