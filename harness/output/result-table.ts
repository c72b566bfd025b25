// Human output: returns strings, the caller prints them (on stderr).
import { CONNECTION_ROWS, formatCrossChecks } from './connection-rows.ts';
import { isCrossCheck } from '../result/connections.ts';
import path from 'node:path';
import Table from 'cli-table3';
import { formatProjection } from './projection-text.ts';
import { formatRates } from './rate-text.ts';
import { FAILURES_BY_CODE_LABEL, figureOf, figuresIn, figureValue, formatFigure, rowLabel, type Figure } from '../result/figures.ts';
import type { Result, VariantResult } from '../result/schema.ts';
import { formatCount } from '../shared/numbers.ts';

type SummaryRow = [string, (v: VariantResult) => string];

/** One row of figures (figures.ts): their values side by side, `-` where there is none (not measured). */
function figureRow(figures: readonly Figure[]): SummaryRow {
  return [
    rowLabel(figures),
    (v) => {
      const values = figures.map((f) => figureValue(v.summary, f.path));
      return values.every((x) => x === undefined) ? '-' : values.map((x, i) => (x === undefined ? '-' : formatFigure(figures[i]!, x))).join(' / ');
    },
  ];
}

/** The table's figures (figures.ts), those that share a row (`requests ok / failed`) in one. */
const FIGURE_ROWS = figuresIn('table').reduce<Figure[][]>((rows, f) => {
  const last = rows.at(-1);
  if (f.row !== undefined && last?.[0]?.row === f.row) last.push(f);
  else rows.push([f]);
  return rows;
}, []);
const afterRequests = FIGURE_ROWS.findIndex((row) => row.some((f) => f.path === 'requests.failed')) + 1;

/** What failed and when: shown after the requests row. */
const FAILURE_ROWS: SummaryRow[] = [
  [
    FAILURES_BY_CODE_LABEL,
    (v) => Object.entries(v.summary.requests.errorsByCode).map(([code, c]) => `${code} ${formatCount(c)}`).join(', ') || '-',
  ],
  [
    'first failure',
    (v) => {
      const first = v.summary.requests.firstFailure;
      return first ? `request ${formatCount(first.request)} after ${(first.tMs / 1000).toFixed(1)} s` : '-';
    },
  ],
];

/** The figures of each row of SUMMARY_ROWS; undefined for a failure row. */
const ROW_FIGURES: (Figure[] | undefined)[] = [...FIGURE_ROWS.slice(0, afterRequests), ...FAILURE_ROWS.map(() => undefined), ...FIGURE_ROWS.slice(afterRequests)];

/** The summary table's rows: a label and how to show one variant's figure (the terminal and the report). */
export const SUMMARY_ROWS: SummaryRow[] = ROW_FIGURES.map((figures, i) => (figures ? figureRow(figures) : FAILURE_ROWS[i - afterRequests]!));

/**
 * SUMMARY_ROWS without those of figures no variant measured (a rate's, in a closed-loop run), then
 * one row per count the clients keep themselves (e.g. DNS lookups), if any reports one.
 */
export function summaryRows(result: Result): SummaryRow[] {
  const names = [...new Set(result.variants.flatMap((v) => Object.keys(v.summary.clientCounters)))].sort();
  const measured = (figures: Figure[] | undefined) =>
    !figures?.every((f) => f.onlyWhenMeasured) || result.variants.some((v) => figures.some((f) => figureValue(v.summary, f.path) !== undefined));
  const ledger = result.variants.some((v) => v.summary.connections) ? CONNECTION_ROWS : [];
  return [...SUMMARY_ROWS.filter((_, i) => measured(ROW_FIGURES[i])), ...ledger, ...names.map((name) => figureRow([figureOf(`clientCounters.${name}`)!]))];
}

export function formatResultTable(result: Result, color = false): string {
  const table = new Table({
    head: ['', ...result.variants.map((v) => `${v.name} (${v.role}${v.failure ? ', FAILED' : ''})`)],
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true },
  });
  for (const [label, cell] of summaryRows(result)) table.push({ [label]: result.variants.map(cell) });
  return table.toString();
}

export function formatClaims(result: Result): string {
  return [
    ...result.claims.map((c) => `  ${c.held ? 'held  ' : 'FAILED'}  ${c.text}`),
    ...(result.claimsNotChecked ?? []).map((c) => `  -       ${c.text}`),
  ].join('\n');
}

/** `5 of 5 held on kernel 6.18`, and how many the load was too short for. */
export function claimsHeading(result: Result): string {
  const held = result.claims.filter((c) => c.held).length;
  const notChecked = result.claimsNotChecked?.length ?? 0;
  return `${held} of ${result.claims.length} held${notChecked > 0 ? `, ${notChecked} not checked` : ''}`;
}

/** With several trials: that the table shows medians, and every exact count that differed (the ledger's cross-checks: formatCrossChecks). */
export function formatTrials(result: Result): string[] {
  if (result.params.repeat === 1) return [];
  return [
    `  Each figure is the median of ${result.params.repeat} trials; the result file holds every trial and the spread.`,
    ...result.variants.flatMap((v) =>
      v.exactCountMismatches.filter((m) => !isCrossCheck(m.figure)).map(
        (m) => `  ${v.name}: ${m.figure} is exact by construction but differed across trials: ${m.values.map((x) => formatCount(x)).join(', ')}`,
      ),
    ),
  ];
}

/** Failure codes that say the client ran out of something, with why and what to do about it. */
const EXHAUSTED: Record<string, string> = {
  EADDRNOTAVAIL:
    "the client host ran out of ephemeral ports: each connection it closed first holds its port in TIME_WAIT for 60 s (on loopback, earlier runs' too: wait a minute, or run with --netns on)",
  // Node raises its soft limit to the hard one (harness/shapes/open-files-limit.ts): the hard one counts.
  EMFILE: 'the client process ran out of file descriptors (raise the hard limit, ulimit -Hn, or lower --concurrency or --requests)',
};

/** One line per variant that ran out of ports or descriptors, unless a claim of the scenario expects it (port-exhaustion does). */
export function formatExhaustion(result: Result): string[] {
  return result.variants.flatMap((v) =>
    Object.entries(v.summary.requests.errorsByCode)
      .filter(([code, count]) => EXHAUSTED[code] && count > 0 && !result.claims.some((c) => c.variant === v.name && c.metric === `requests.errorsByCode.${code}`))
      .map(([code, count]) => `  ${v.name}: ${formatCount(count)} requests failed with ${code}: ${EXHAUSTED[code]}.`),
  );
}

/** Every variant ran to its end. */
export const isComplete = (result: Result) => result.status === 'complete';

/** A measurement of the user's own clients (npm run measure), not a run of a scenario. */
export const isMeasurement = (result: Result) => result.variants.length > 0 && result.variants.every((v) => v.role === 'measured');

/** What the result's checks are called: a scenario's claims, or the expectations given to npm run measure. */
/** What the checks are called: a scenario's claims, or a measurement's expectations. */
export const claimsTitle = (result: Result) => (isMeasurement(result) ? 'Expectations (--expect)' : 'Claims');

/** Whether the result has checks to show: a measurement without --expect has none. */
export const hasClaims = (result: Result) => !isMeasurement(result) || result.claims.length > 0;

/** The variants that failed, what the lab noticed of a measured client, and what an interrupted result holds. */
export function formatIncomplete(result: Result): string[] {
  return [
    ...result.variants.flatMap((v) => (v.clientNotes ?? []).map((note) => `  ${v.name}: ${note}.`)),
    ...result.variants.flatMap((v) =>
      v.failure
        ? [
            `  ${v.name} FAILED after ${(v.failure.afterMs / 1000).toFixed(1)} s: ${v.failure.message}; its figures are what was measured until then.`,
            ...(v.failure.stderrTail ?? []).map((line) => `    stderr: ${line}`),
          ]
        : [],
    ),
    ...(result.status === 'interrupted' ? [`  Interrupted: the result holds only the variants that had finished (${result.variants.map((v) => v.name).join(', ') || 'none'}).`] : []),
  ];
}

export function formatReport(result: Result, resultPath: string | null, color = false): string {
  return [
    formatResultTable(result, color),
    ...result.variants.map((v) => `  ${v.name}: ${v.description}`),
    ...formatRates(result),
    ...formatIncomplete(result),
    ...formatExhaustion(result),
    ...formatTrials(result),
    ...formatCrossChecks(result),
    '',
    ...(hasClaims(result) ? [`${claimsTitle(result)} (${claimsHeading(result)} on kernel ${result.env.kernel}):`, formatClaims(result), ''] : []),
    `Verdict: ${result.verdict}.`,
    '',
    // A projection from figures cut short would mislead.
    ...(isComplete(result) ? [formatProjection(result), ''] : []),
    resultPath ? `Result written to ${path.relative(process.cwd(), resultPath) || resultPath}` : 'Result not written.',
  ].join('\n');
}
