// Human output: returns strings, the caller prints them (on stderr).
import path from 'node:path';
import Table from 'cli-table3';
import { formatProjection } from './format-projection.ts';
import type { Scenario } from './scenario.ts';
import type { Result, VariantResult } from './result-schema.ts';
import type { RunSettings } from './run-scenario.ts';

const n = (x: number) => x.toLocaleString('en-US');

export function formatScenarioList(scenarios: Scenario[]): string {
  const width = Math.max(...scenarios.map((s) => s.name.length));
  return scenarios.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`).join('\n');
}

export function formatSettings(scenario: Scenario, s: RunSettings): string {
  const load =
    s.load.pattern === 'bursts'
      ? `bursts of ${n(s.load.concurrency)} concurrent requests${s.load.burstGapMs ? ` every ${s.load.burstGapMs} ms pause` : ''}`
      : `concurrency ${n(s.load.concurrency)}`;
  return (
    `${scenario.name}: ${n(s.load.requests)} requests per variant, ${load}; ` +
    `server body ${n(s.server.bodyBytes)} B, delay ${s.server.responseDelayMs} ms, keepAliveTimeout ${n(s.server.keepAliveTimeoutMs)} ms; ` +
    `ss sampled every ${s.intervalMs} ms; time limit ${s.timeLimitMs / 1000} s per variant` +
    (s.repeat > 1 ? `; ${s.repeat} trials per variant` : '')
  );
}

/** The summary table's rows: a label and how to show one variant's figure (the terminal and the report). */
export const SUMMARY_ROWS: [string, (v: VariantResult) => string][] = [
  ['requests ok / failed', (v) => `${n(v.summary.requests.ok)} / ${n(v.summary.requests.failed)}`],
  [
    'failures by code',
    (v) => Object.entries(v.summary.requests.errorsByCode).map(([code, c]) => `${code} ${n(c)}`).join(', ') || '-',
  ],
  ['connections (server count)', (v) => n(v.summary.connectionsOpened)],
  ['connections per request', (v) => v.summary.connectionsPerRequest.toFixed(2)],
  ['TIME_WAIT peak, client side', (v) => n(v.summary.timeWait.clientSide.peak)],
  ['TIME_WAIT peak, server side', (v) => n(v.summary.timeWait.serverSide.peak)],
  ['ESTABLISHED peak (client)', (v) => n(v.summary.established.peak)],
  ['kernel: opens / resets sent', (v) => `${n(v.summary.kernel.activeOpens)} / ${n(v.summary.kernel.outRsts)}`],
  ['requests per second', (v) => n(Math.round(v.summary.reqPerSec))],
  ['latency p50 / p99 (ms)', (v) => `${v.summary.latencyMs.p50.toFixed(2)} / ${v.summary.latencyMs.p99.toFixed(2)}`],
];

export function formatResultTable(result: Result, color = false): string {
  const table = new Table({
    head: ['', ...result.variants.map((v) => `${v.name} (${v.role})`)],
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true },
  });
  for (const [label, cell] of SUMMARY_ROWS) table.push({ [label]: result.variants.map(cell) });
  return table.toString();
}

export function formatClaims(result: Result): string {
  return result.claims.map((c) => `  ${c.held ? 'held  ' : 'FAILED'}  ${c.text}`).join('\n');
}

/** With several trials: that the table shows medians, and every exact count that differed. */
export function formatTrials(result: Result): string[] {
  if (result.params.repeat === 1) return [];
  return [
    `  Each figure is the median of ${result.params.repeat} trials; the result file holds every trial and the spread.`,
    ...result.variants.flatMap((v) =>
      v.exactCountMismatches.map(
        (m) => `  ${v.name}: ${m.figure} is exact by construction but differed across trials: ${m.values.map(n).join(', ')}`,
      ),
    ),
  ];
}

export function formatReport(result: Result, resultPath: string | null, color = false): string {
  const held = result.claims.filter((c) => c.held).length;
  return [
    formatResultTable(result, color),
    ...result.variants.map((v) => `  ${v.name}: ${v.description}`),
    ...formatTrials(result),
    '',
    `Claims (${held} of ${result.claims.length} held on kernel ${result.env.kernel}):`,
    formatClaims(result),
    '',
    `Verdict: ${result.verdict}.`,
    '',
    formatProjection(result),
    '',
    resultPath ? `Result written to ${path.relative(process.cwd(), resultPath) || resultPath}` : 'Result not written.',
  ].join('\n');
}
