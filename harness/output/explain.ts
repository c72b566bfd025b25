// The scenario's story and its client code, for the terminal: what goes wrong, why, the fix, then
// each misconfigured client next to its fix. The code is the source of the functions that run
// (`makeClient.toString()`: Node's type stripping keeps the text as written), never a copy.
import * as httpHelpers from '../../scenarios/_http.ts';
import { changedPieces, counterparts, lineDiff, sideBySide, type DiffLine } from './line-diff.ts';
import { styler, wrapIndented } from './terminal-text.ts';
import { isProgramVariant, type Scenario, type ScenarioVariant } from '../scenario/contract.ts';

/**
 * A variant's client factory as it is written in its scenario file, re-indented to column 0; for a
 * variant that runs another program, that program's code for it.
 */
export function clientSource(variant: ScenarioVariant): string[] {
  if (isProgramVariant(variant)) return variant.source().lines;
  const [first = '', ...rest] = variant.makeClient.toString().split('\n');
  // The first line starts where the function does; the others keep the file's indentation.
  const indents = rest.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = Math.min(...indents, Infinity);
  return [first, ...rest.map((l) => l.slice(Number.isFinite(cut) ? cut : 0))];
}

/**
 * Each misconfigured variant against the fix that follows it in the scenario (the first fix when
 * none follows), then every fix left unpaired against the first misconfigured variant.
 */
export function codePairs(scenario: Scenario): [ScenarioVariant, ScenarioVariant][] {
  const { variants } = scenario;
  const good = variants.filter((v) => v.role === 'fix');
  const firstBad = variants.find((v) => v.role === 'misconfigured');
  if (!firstBad || good.length === 0) return [];
  const pairs = variants.flatMap((v, i): [ScenarioVariant, ScenarioVariant][] =>
    v.role === 'misconfigured' ? [[v, variants.slice(i + 1).find((next) => next.role === 'fix') ?? good[0]!]] : [],
  );
  const unpaired = good.filter((g) => !pairs.some(([, fix]) => fix === g));
  return [...pairs.filter(([bad]) => bad === firstBad), ...unpaired.map((g): [ScenarioVariant, ScenarioVariant] => [firstBad, g]), ...pairs.filter(([bad]) => bad !== firstBad)];
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

/** A diff line, marked and padded to `width`; in colour, the words that changed stand out. */
function codeLine(line: DiffLine | null, width: number, style: ReturnType<typeof styler>, pairs: Map<DiffLine, DiffLine>): string {
  if (!line) return ' '.repeat(width + 2);
  const padding = ' '.repeat(Math.max(0, width - line.text.length));
  if (line.kind === 'same') return `  ${line.text}${padding}`;
  const color = line.kind === 'removed' ? 'red' : 'green';
  const counterpart = pairs.get(line);
  const pieces = counterpart ? changedPieces(line, counterpart) : [{ text: line.text, changed: false }];
  const text = pieces.map((p) => (p.changed ? style(['bold', 'inverse'], p.text) : p.text)).join('');
  return style(color, `${MARK[line.kind]} ${text}${padding}`);
}

/** One pair, side by side when the terminal is wide enough for both, as a unified diff otherwise. */
export function formatCodePair(bad: ScenarioVariant, good: ScenarioVariant, { columns, color }: TextOptions): string {
  const style = styler(color);
  const diff = lineDiff(clientSource(bad), clientSource(good));
  const pairs = counterparts(diff);
  const width = Math.max(...diff.map((l) => l.text.length));
  const headings = [bad, good].map((v, i) => style('bold', `${i === 0 ? '-' : '+'} ${v.name} (${v.role}): ${v.summary}`));
  if (2 * (width + 2) + 3 <= columns) {
    const rows = sideBySide(diff).map((r) => `${codeLine(r.left, width, style, pairs)} │ ${codeLine(r.right, width, style, pairs)}`.trimEnd());
    return [...headings, ...rows].join('\n');
  }
  return [...headings, ...diff.map((l) => codeLine(l, 0, style, pairs).trimEnd())].join('\n');
}

/** The helpers of scenarios/_http.ts that the variants call, named, so the room knows where they live. */
export function helpersUsed(scenario: Scenario): string[] {
  const code = scenario.variants.map((v) => (isProgramVariant(v) ? '' : v.makeClient.toString())).join('\n');
  return Object.keys(httpHelpers).filter((name) => new RegExp(`\\b${name}\\(`).test(code));
}

export function formatCode(scenario: Scenario, options: TextOptions): string {
  const pairs = codePairs(scenario).map(([bad, good]) => formatCodePair(bad, good, options));
  const helpers = helpersUsed(scenario);
  const programFiles = [...new Set(scenario.variants.filter(isProgramVariant).map((v) => v.source().file))];
  const where = programFiles.length ? programFiles.join(', ') : `scenarios/${scenario.name}.ts`;
  return [
    `The client code, as ${where} runs it${helpers.length ? ` (${helpers.join(', ')}: scenarios/_http.ts)` : ''}:`,
    ...pairs,
  ].join('\n\n');
}

export function formatExplanation(scenario: Scenario, options: TextOptions): string {
  return `${formatStory(scenario, options)}\n\n${formatCode(scenario, options)}`;
}
