// The table of figures (harness/result/figures.ts) is the one source of their names and words: it
// covers every numeric figure of the summary schema, and the claims, the summary table, the
// report's chart, compare and --fail-if all name and label figures through it.
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { compareResults } from '../../harness/compare/compare.ts';
import { parseThreshold } from '../../harness/compare/thresholds.ts';
import { CHART_METRICS } from '../../harness/output/html/report-html.ts';
import { summaryRows } from '../../harness/output/result-table.ts';
import { checkClaims } from '../../harness/scenario/claims.ts';
import {
  FIGURE_NAMES_TEXT,
  FIGURES,
  figureLabel,
  figureOf,
  figuresIn,
  figureValue,
  formatFigure,
  isFigure,
  rowLabel,
  type Figure,
} from '../../harness/result/figures.ts';
import { summaryFiguresSchema } from '../../harness/result/schema.ts';
import { connectionsSchema } from '../../harness/result/connections.ts';
import { loadAllScenarios } from '../../harness/scenario/catalog.ts';
import { scenarioProblems } from '../../harness/scenario/contract.ts';
import { loadFixture } from '../support/results-fixtures.ts';

/** The paths of the numeric leaves of a zod object schema, read from the schema itself. */
function numericPaths(schema: z.ZodType, prefix = ''): string[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return numericPaths(schema.unwrap() as z.ZodType, prefix);
  if (schema instanceof z.ZodNumber) return [prefix];
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, s]) => numericPaths(s, prefix ? `${prefix}.${key}` : key));
  }
  return []; // a record (errorsByCode, clientCounters): a family of figures, by key
}

const paths = FIGURES.map((f) => f.path);
const { file, result } = await loadFixture('tiny-pool.json');
const rate = await loadFixture('no-body-close-5-rate.json');
const steady = await loadFixture('steady-state.json');
const https = await loadFixture('http2-multiplex.json');
const scenarios = await loadAllScenarios();

describe('the table', () => {
  test('has every numeric figure of the summary schema (the connection ledger\'s too), once, and nothing else', () => {
    expect(new Set(paths).size).toBe(paths.length);
    expect([...paths].sort()).toEqual([...numericPaths(summaryFiguresSchema), ...numericPaths(connectionsSchema, 'connections')].sort());
  });

  test('gives every figure its own words and a unit', () => {
    const labels = FIGURES.map((f) => figureLabel(f.path));
    expect(new Set(labels).size).toBe(labels.length);
    for (const f of FIGURES) {
      expect(f.label, f.path).toMatch(/\S/);
      expect(f.label, f.path).not.toBe(f.path);
      expect(f.unit, f.path).toBeTruthy();
    }
  });

  test('names the keyed figures by family: failures by code, and the counts a client keeps', () => {
    expect(isFigure('requests.errorsByCode.EADDRNOTAVAIL')).toBe(true);
    expect(isFigure('clientCounters.dnsLookups')).toBe(true);
    expect(isFigure('requests.errorsByCode')).toBe(false);
    expect(isFigure('requests.firstFailure')).toBe(false);
    expect(figureLabel('requests.errorsByCode.EADDRNOTAVAIL')).toBe('requests failed with EADDRNOTAVAIL (no local port left)');
    expect(figureLabel('clientCounters.dnsLookups')).toBe('client-reported dnsLookups');
    const [bad] = result.variants;
    // A code that did not occur: none of the requests failed with it.
    expect(figureValue(bad!.summary, 'requests.errorsByCode.ENOTACODE')).toBe(0);
    expect(figureValue(bad!.summary, 'clientCounters.neverReported')).toBeUndefined();
  });

  test('lists every name it accepts, for the messages of claims and --fail-if', () => {
    for (const path of [...paths, 'requests.errorsByCode.<CODE>', 'clientCounters.<name>']) expect(FIGURE_NAMES_TEXT.split(', ')).toContain(path);
  });
});

describe('every view reads its words from the table', () => {
  test('every claim of every scenario names a figure of the table, and its text says the figure\'s label', () => {
    for (const scenario of scenarios) {
      for (const claim of scenario.claims) expect(isFigure(claim.metric), `${scenario.name}: ${claim.metric}`).toBe(true);
    }
    for (const claim of result.claims) expect(claim.text).toContain(`${claim.variant}: ${figureLabel(claim.metric)} `);
  });

  test('a claim may name any figure of the table, and no other', () => {
    const [scenario] = scenarios;
    const claim = (metric: string) => ({ ...scenario!, claims: [{ variant: scenario!.variants[0]!.name, metric, atMost: 1 }] });
    for (const path of paths) expect(scenarioProblems(claim(path)), path).toEqual([]);
    expect(scenarioProblems(claim('timeWait.clientSide.peek'))).toEqual([`claims.0.metric: must be one of ${FIGURE_NAMES_TEXT}`]);
  });

  test('a claim checked on a figure reads the same value and says the same words', () => {
    const [bad] = result.variants;
    const load = result.params.load;
    for (const path of paths) {
      const [checked] = checkClaims([{ variant: bad!.name, metric: path as never, atLeast: 0 }], () => ({ load, drains: false, summary: bad!.summary }));
      expect(checked!.measured, path).toBe(figureValue(bad!.summary, path) ?? null);
      // A time long enough to read in seconds is written so, bounds too.
      const zero = figureOf(path)?.unit === 'time' ? '0.00 s' : '0';
      expect(checked!.text.startsWith(`${bad!.name}: ${figureLabel(path)} >= ${zero} `), checked!.text).toBe(true);
    }
  });

  test('--fail-if takes every figure of the table, and names them all when given another', () => {
    for (const path of paths) expect(parseThreshold(`bad.${path} > 0`).figure).toBe(path);
    expect(() => parseThreshold('bad.latencyMs.p95 > 0')).toThrow(`"latencyMs.p95" is not a figure of a variant's summary; figures: ${FIGURE_NAMES_TEXT}`);
  });

  test('compare shows the figures of its view, then those a threshold names, each with its label', () => {
    const extra = ['kernel.timeWaitOverflow', 'clientCounters.retries'];
    const comparison = compareResults([{ file, result }, { file, result }], extra);
    const shown = comparison.variants[0]!.figures;
    expect(shown.map((f) => f.figure)).toEqual([...figuresIn('compare').map((f) => f.path), ...extra]);
    for (const f of shown) expect(f.label).toBe(figureLabel(f.figure));
  });

  test('the report\'s chart draws the figures of its view, its legends in their words', () => {
    const chart = figuresIn('chart');
    expect(CHART_METRICS.map((m) => m.label)).toEqual(chart.map((f) => f.series!.label));
    // The line is the count over time whose peak the figure is: the legend is its label without "peak".
    for (const f of chart) expect(f.label.replace(' peak', '')).toBe(f.series!.label);
    for (const variant of result.variants) {
      for (const f of chart) expect(Math.max(0, ...variant.samples.map(f.series!.value))).toBe(figureValue(variant.trials[0]!.summary, f.path));
    }
  });
});

describe('the summary table (terminal and report)', () => {
  const rows = summaryRows(result);
  const labels = rows.map(([label]) => label);

  test('shares a row between figures of one row, their shared words said once', () => {
    expect(labels).toEqual(expect.arrayContaining(['requests ok / failed', 'kernel: active opens / resets sent', 'latency p50 / p99 (ms)']));
    expect(rowLabel(figuresIn('table').filter((f) => f.row === 'requests'))).toBe('requests ok / failed');
  });

  const rowOf = (shown: typeof rows, f: Figure) =>
    shown.find(([label]) => label === figureLabel(f.path) || (f.row !== undefined && label === rowLabel(figuresIn('table').filter((g) => g.row === f.row))));

  test('shows every figure of its view, with the value of the result in the figure\'s unit (a rate\'s under a rate, the life of TIME_WAIT where a run measured it)', () => {
    const runs = [result, rate.result, steady.result, https.result];
    for (const run of runs) {
      const shown = summaryRows(run);
      for (const f of figuresIn('table')) {
        const measured = run.variants.filter((v) => figureValue(v.summary, f.path) !== undefined);
        const row = rowOf(shown, f);
        if (f.onlyWhenMeasured && measured.length === 0) {
          expect(row, f.path).toBeUndefined();
          continue;
        }
        expect(row, f.path).toBeDefined();
        for (const variant of measured) expect(row![1](variant).split(' / '), f.path).toContain(formatFigure(f, figureValue(variant.summary, f.path)!));
      }
    }
    // Each figure shown only where measured is measured by one of these real runs.
    for (const f of figuresIn('table').filter((g) => g.onlyWhenMeasured)) expect(runs.some((run) => rowOf(summaryRows(run), f)), f.path).toBeTruthy();
  });

  test('leaves out the rows of a rate in a closed-loop run, where no variant has them', () => {
    const rateFigures = figuresIn('table').filter((f) => f.onlyWhenMeasured);
    expect(rateFigures.map((f) => f.path)).toEqual(expect.arrayContaining(['rate.askedPerSec', 'rate.achievedPerSec', 'rate.dropped', 'serviceTimeMs.p99']));
    for (const f of rateFigures) expect(rowOf(rows, f), f.path).toBeUndefined();
    expect(result.variants.every((v) => v.summary.rate === undefined)).toBe(true);
  });

  test('a figure nobody counted shows as -', () => {
    const variant = structuredClone(result.variants[0]!);
    variant.summary.connectionsReset = null;
    const [, cell] = rows.find(([label]) => label === figureLabel('connectionsReset'))!;
    expect(cell(variant)).toBe('-');
  });
});
