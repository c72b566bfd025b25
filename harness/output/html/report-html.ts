// The HTML report as one self-contained string: styles, data, the charting library and the code
// that draws the charts are all inside, so the file opens offline (no CDN, no request at all).
// Per scenario: the story, the client code, one chart of every variant's sockets over time (runs
// of the same scenario overlaid), then per run the summary table, the connections (report-ledger.ts),
// claims, projection, environment.
import path from 'node:path';
import { codePairs, clientSource } from '../explain.ts';
import { describeLoad } from '../settings-text.ts';
import { claimsHeading, claimsTitle, formatIncomplete, hasClaims, isComplete, isMeasurement, summaryRows } from '../result-table.ts';
import { formatRates } from '../rate-text.ts';
import { LEDGER_STYLE, ledgerSection } from './report-ledger.ts';
import { projectionText } from '../projection-text.ts';
import { changedPieces, counterparts, lineDiff, sideBySide, type DiffLine } from '../line-diff.ts';
import { figuresIn } from '../../result/figures.ts';
import { variantLoad, type Result, type VariantResult } from '../../result/schema.ts';
import { expectedPlateau } from '../../result/time-wait.ts';
import type { Scenario, ScenarioVariant } from '../../scenario/contract.ts';
import { formatCount } from '../../shared/numbers.ts';

export interface ReportRun {
  file: string;
  result: Result;
}

export interface ReportGroup {
  scenarioName: string;
  /** The scenario as this checkout defines it; null when it has no such scenario. */
  scenario: Scenario | null;
  /** The helpers its variants call (scenarios/_http.ts), as the file reads; null when none. */
  helpers: { names: string[]; file: string; source: string } | null;
  runs: ReportRun[];
}

export interface ReportInput {
  groups: ReportGroup[];
  chartLibrary: { name: string; version: string; source: string };
  generatedAt: string;
}

/** One line on a chart, as ECharts takes it; `data` is [seconds since the variant started, count]. */
export interface ChartSeries {
  name: string;
  color: string;
  lineType: 'solid' | 'dashed' | 'dotted';
  opacity: number;
  data: [number, number][];
  /** Lines across the chart in the series' colour: the plateau a rate would hold (`yAxis`), the end of a load that drained (`xAxis`, seconds). */
  marks: ChartMark[];
}

export type ChartMark = { label: string } & ({ yAxis: number } | { xAxis: number });

/**
 * What a variant's first line (TIME_WAIT, client side) marks: under a rate that outlasts TIME_WAIT,
 * the plateau it would hold (rate × 60 s); when it drained, where its load ended and the drain began.
 */
function marksOf(result: Result, variant: VariantResult): ChartMark[] {
  const expected = expectedPlateau(variantLoad(result.params, variant.name));
  const drain = variant.summary.timeWait.drain;
  return [
    ...(expected ? [{ yAxis: expected.count, label: `${variant.name}: ${formatCount(expected.count)} expected (${expected.because})` }] : []),
    ...(drain ? [{ xAxis: drain.loadEndedMs / 1000, label: `${variant.name}: load ends, drain` }] : []),
  ];
}

export const esc = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// Red and orange for misconfigured variants, green and blue for fixes, and for measured clients
// (npm run measure), which are neither, a sequence of their own: readable on a projector and by most
// colour-blind viewers together with the line styles.
const COLORS: Record<Result['variants'][number]['role'], string[]> = {
  misconfigured: ['#c62828', '#ef6c00', '#8e24aa'],
  fix: ['#2e7d32', '#1565c0', '#00838f'],
  measured: ['#1565c0', '#ef6c00', '#2e7d32', '#8e24aa', '#00838f', '#c62828'],
};

const LINE_TYPES = ['solid', 'dashed', 'dotted'] as const;

/** The counts drawn over time for each variant (the figures of the chart view, harness/result/figures.ts), told apart by line style. */
export const CHART_METRICS = figuresIn('chart').map((figure, i) => ({ ...figure.series!, unit: figure.unit, lineType: LINE_TYPES[i % LINE_TYPES.length]! }));

/** `Solid: TIME_WAIT, client side; dashed: ...`: which line is which. */
const CHART_NOTE = CHART_METRICS.map((m) => `${m.lineType}: ${m.label}`).join('; ').replace(/^./, (c) => c.toUpperCase()) + '.';

/** `bad: TIME_WAIT, client side`, with ` (run 2)` when several runs are overlaid. */
export function seriesName(variant: string, metric: string, run: number, runs: number): string {
  return `${variant}: ${metric}${runs > 1 ? ` (run ${run})` : ''}`;
}

export function chartSeries(runs: ReportRun[]): ChartSeries[] {
  const series: ChartSeries[] = [];
  runs.forEach(({ result }, r) => {
    const seen = { misconfigured: 0, fix: 0, measured: 0 };
    for (const variant of result.variants) {
      const palette = COLORS[variant.role];
      const color = palette[seen[variant.role]++ % palette.length]!;
      CHART_METRICS.forEach((metric, m) => {
        series.push({
          name: seriesName(variant.name, metric.label, r + 1, runs.length),
          color,
          lineType: metric.lineType,
          opacity: Math.max(0.4, 1 - 0.25 * r),
          data: variant.samples.map((s) => [s.tMs / 1000, metric.value(s)]),
          marks: m === 0 ? marksOf(result, variant) : [],
        });
      });
    }
  });
  return series;
}

function story(scenario: Scenario): string {
  const e = scenario.explanation;
  return `<dl class="story">
    <dt>What goes wrong</dt><dd>${esc(e.problem)}</dd>
    <dt>Why</dt><dd>${esc(e.why)}</dd>
    <dt>The fix</dt><dd>${esc(e.fix)}</dd>
  </dl>`;
}

/** A line of code; in a changed line, the words that differ from its counterpart are marked. */
function codeCell(line: DiffLine | null, pairs: Map<DiffLine, DiffLine>): string {
  if (!line) return '<td class="code empty"></td>';
  const counterpart = pairs.get(line);
  const html = counterpart
    ? changedPieces(line, counterpart).map((p) => (p.changed ? `<mark>${esc(p.text)}</mark>` : esc(p.text))).join('')
    : esc(line.text);
  return `<td class="code ${line.kind}">${html || ' '}</td>`;
}

function codePair(bad: ScenarioVariant, good: ScenarioVariant): string {
  const diff = lineDiff(clientSource(bad), clientSource(good));
  const pairs = counterparts(diff);
  const rows = sideBySide(diff);
  const head = (v: ScenarioVariant) => `<th class="${v.role}">${esc(v.name)} <span class="role">(${v.role})</span><div class="summary">${esc(v.summary)}</div></th>`;
  return `<table class="code-pair" data-pair="${esc(bad.name)}→${esc(good.name)}">
    <thead><tr>${head(bad)}${head(good)}</tr></thead>
    <tbody>${rows.map((r) => `<tr>${codeCell(r.left, pairs)}${codeCell(r.right, pairs)}</tr>`).join('')}</tbody>
  </table>`;
}

function code(scenario: Scenario, helpers: ReportGroup['helpers']): string {
  const helperSource = helpers
    ? `<details class="helpers"><summary>${esc(helpers.names.join(', '))}: <code>${esc(helpers.file)}</code></summary><pre>${esc(helpers.source)}</pre></details>`
    : '';
  return `<p class="note">The client code as <code>scenarios/${esc(scenario.name)}.ts</code> in this checkout runs it
    (each result records the commit it ran at, under Environment). Changed lines are coloured, changed words marked.</p>
    ${codePairs(scenario).map(([bad, good]) => codePair(bad, good)).join('\n')}
    ${helperSource}`;
}

/** A measurement's clients: each one's command, as the results recorded it (a name given different commands in different runs: each). */
function commands(runs: ReportRun[]): string {
  const seen = new Map<string, { name: string; command: string }>();
  for (const { result } of runs) for (const v of result.variants) if (v.command !== undefined) seen.set(`${v.name}\0${v.command}`, { name: v.name, command: v.command });
  return `<p class="note">Clients measured by <code>npm run measure</code>: each command ran as it is, against the lab's server (<code>TARGET_URL</code>).</p>
    <dl class="commands">${[...seen.values()].map((c) => `<dt data-variant="${esc(c.name)}">${esc(c.name)}</dt><dd><pre>${esc(c.command)}</pre></dd>`).join('')}</dl>`;
}

function summaryTable({ result }: ReportRun, run: number): string {
  const head = result.variants.map((v) => `<th class="${v.role}" data-variant="${esc(v.name)}">${esc(v.name)} <span class="role">(${v.role})</span></th>`);
  const rows = summaryRows(result).map(
    ([label, cell]) => `<tr data-row="${esc(label)}"><th>${esc(label)}</th>${result.variants.map((v) => `<td data-variant="${esc(v.name)}">${esc(cell(v))}</td>`).join('')}</tr>`,
  );
  return `<table class="summary" data-run="${run}"><thead><tr><th></th>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function claims(result: Result): string {
  const checks = `<h4>${esc(claimsTitle(result))}: ${esc(claimsHeading(result))}</h4>
    <ul class="claims">${result.claims
      .map((c) => `<li class="${c.held ? 'held' : 'failed'}"><span class="mark">${c.held ? '✔ held' : '✘ FAILED'}</span> ${esc(c.text)}</li>`)
      .join('')}${(result.claimsNotChecked ?? []).map((c) => `<li class="not-checked"><span class="mark">– not checked</span> ${esc(c.text)}</li>`).join('')}</ul>`;
  return `${hasClaims(result) ? checks : ''}
    ${formatIncomplete(result).map((line) => `<p class="failed">${esc(line.trim())}</p>`).join('')}
    ${formatRates(result).map((line) => `<p class="rate">${esc(line.trim())}</p>`).join('')}
    <p class="verdict"><strong>Verdict:</strong> ${esc(result.verdict)}.</p>`;
}

function projection(result: Result): string {
  const { heading, rows } = projectionText(result);
  const items = rows.map(
    (r) => `<li class="${r.role}"><strong>${esc(r.variant)}</strong>: ${esc(r.sentence)}${r.measured ? `<br><span class="measured">${esc(r.measured)}</span>` : ''}</li>`,
  );
  return `<h4>${esc(heading)}</h4><ul class="projection">${items.join('')}</ul>`;
}

function environment({ file, result }: ReportRun): string {
  const { env } = result;
  const entries: [string, string][] = [
    ['result file', path.basename(file)],
    ['started', result.startedAt],
    ['Node.js', env.node],
    ['kernel', `${env.kernel} (${env.platform}${env.distribution === null ? '' : `, ${env.distribution}`})`],
    ['CPUs', `${env.cpus} × ${env.cpuModel}`],
    ['lab', `${env.lab.version} at ${env.lab.commit?.slice(0, 12) ?? 'no commit'}${env.lab.dirty ? ' (uncommitted changes)' : ''}`],
    ['load', result.params.load ? `${formatCount(result.params.load.requests)} requests, ${describeLoad(result.params.load)}` : "each client's own (a measurement)"],
    ...Object.entries(result.params.variantLoads ?? {}).map(([name, load]): [string, string] => [`load of ${name}`, `${formatCount(load.requests)} requests, ${describeLoad(load)}`]),
    ['server', `${result.params.server.host}, body ${formatCount(result.params.server.bodyBytes)} B, keepAliveTimeout ${formatCount(result.params.server.keepAliveTimeoutMs)} ms`],
    ...Object.entries(env.sysctl).map(([name, value]): [string, string] => [name, value == null ? 'not on this kernel' : String(value)]),
  ];
  return `<details class="environment" open><summary>Environment</summary><dl>${entries
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl></details>`;
}

function runSection(run: ReportRun, index: number, count: number): string {
  const title = count > 1 ? `Run ${index}: ` : '';
  return `<section class="run" data-run="${index}">
    <h3>${title}${esc(run.result.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}, Node ${esc(run.result.env.node)}, kernel ${esc(run.result.env.kernel)}</h3>
    ${summaryTable(run, index)}
    ${ledgerSection(run.result)}
    ${claims(run.result)}
    ${isComplete(run.result) ? projection(run.result) : ''}
    ${environment(run)}
  </section>`;
}

function scenarioSection(group: ReportGroup, index: number): string {
  const first = group.runs[0]!.result;
  const about = group.scenario
    ? `${story(group.scenario)}<h3>The client code</h3>${code(group.scenario, group.helpers)}`
    : group.runs.some((run) => isMeasurement(run.result))
      ? `<h3>The clients</h3>${commands(group.runs)}`
      : `<p class="note">This checkout has no scenario named <code>${esc(group.scenarioName)}</code>: its story and code cannot be shown.</p>`;
  return `<section class="scenario" id="scenario-${index}" data-scenario="${esc(group.scenarioName)}">
    <h2>${esc(group.scenarioName)}</h2>
    <p class="lead">${esc(group.scenario?.summary ?? first.description)}</p>
    ${about}
    <h3>Sockets over time${group.runs.length > 1 ? `: ${group.runs.length} runs overlaid` : ''}</h3>
    <p class="note">${esc(CHART_NOTE)} Seconds since each variant started.</p>
    <div class="chart" id="chart-${index}" data-chart="${index}" role="img" aria-label="${esc(CHART_METRICS.map((m) => m.label).join('; '))} over time, ${esc(group.scenarioName)}"></div>
    ${group.runs.map((run, i) => runSection(run, i + 1, group.runs.length)).join('\n')}
  </section>`;
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

const STYLE = `
  :root { --ink: #111; --muted: #555; --line: #ccc; --bad: #c62828; --fix: #2e7d32; }
  * { box-sizing: border-box; }
  body { font: 18px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1500px; padding: 1.5rem 2rem 4rem; }
  h1 { font-size: 2rem; margin: 0 0 .25rem; } h2 { font-size: 1.8rem; margin: 2.5rem 0 .25rem; border-bottom: 3px solid var(--ink); }
  h3 { font-size: 1.3rem; margin: 1.8rem 0 .5rem; } h4 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
  .lead { font-size: 1.25rem; margin-top: 0; } .note { color: var(--muted); font-size: .95rem; }
  .story { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1.5rem; }
  .story dt { font-weight: 700; } .story dd { margin: 0; }
  table { border-collapse: collapse; margin: .5rem 0 1rem; }
  th, td { border: 1px solid var(--line); padding: .3rem .7rem; text-align: left; vertical-align: top; }
  .summary td { text-align: right; font-variant-numeric: tabular-nums; }
  th.misconfigured, li.misconfigured strong { color: var(--bad); } th.fix, li.fix strong { color: var(--fix); }
  .commands { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1.5rem; } .commands dt { font-weight: 700; } .commands dd { margin: 0; }
  .commands pre { margin: 0; font: 15px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap; background: #f6f6f6; padding: .3rem .7rem; }
  .role { font-weight: 400; color: var(--muted); } .summary th .role { font-size: .85rem; }
  .code-pair { width: 100%; table-layout: fixed; }
  .code-pair th .summary { font-weight: 400; font-size: .9rem; color: var(--muted); }
  td.code { font: 15px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap; border-width: 0 1px; padding: 0 .7rem; }
  td.code.removed { background: #fde0e0; } td.code.added { background: #dff3df; } td.code.empty { background: #f4f4f4; }
  td.code.removed mark { background: #f5a3a3; color: inherit; font-weight: 700; } td.code.added mark { background: #9ed89e; color: inherit; font-weight: 700; }
  .helpers summary { cursor: pointer; color: var(--muted); } .helpers pre { font-size: 14px; background: #f6f6f6; padding: .5rem 1rem; overflow-x: auto; }
  .chart { width: 100%; height: 480px; border: 1px solid var(--line); }
  .claims, .projection { padding-left: 1.2rem; } .claims li { list-style: none; margin-left: -1.2rem; }
  .claims .mark { display: inline-block; min-width: 6.5rem; font-weight: 700; }
  .claims .held .mark { color: var(--fix); } .claims .failed .mark { color: var(--bad); } .claims .not-checked { color: var(--muted); }
  .environment summary { font-weight: 700; cursor: pointer; }
  .environment dl { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: .1rem 1.5rem; font-size: .95rem; }
  .environment dd { margin: 0; font-family: ui-monospace, monospace; }
  footer { margin-top: 3rem; color: var(--muted); font-size: .9rem; }
  @media print { .chart { break-inside: avoid; } }
`;

// Runs in the page: draws each chart with the inlined ECharts, SVG renderer (vector output stays
// sharp at any projector resolution or zoom), redrawn when the window is resized.
const DRAW_CHARTS = `
  const charts = JSON.parse(document.getElementById('chart-data').textContent);
  for (const [index, series] of Object.entries(charts)) {
    const chart = echarts.init(document.getElementById('chart-' + index), null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      textStyle: { fontSize: 15 },
      grid: { left: 70, right: 330, top: 40, bottom: 60 },
      legend: { type: 'scroll', orient: 'vertical', right: 10, top: 'middle', textStyle: { fontSize: 15 }, itemWidth: 40, itemGap: 12 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 'seconds', nameLocation: 'middle', nameGap: 30, nameTextStyle: { fontSize: 15 }, axisLabel: { fontSize: 15 } },
      yAxis: { type: 'value', name: ${JSON.stringify(CHART_METRICS[0]!.unit)}, nameTextStyle: { fontSize: 15 }, axisLabel: { fontSize: 15 } },
      series: series.map((s) => ({
        name: s.name, type: 'line', showSymbol: false, data: s.data, color: s.color,
        lineStyle: { width: 3, type: s.lineType, opacity: s.opacity },
        markLine: s.marks.length === 0 ? undefined : {
          symbol: 'none', silent: true, animation: false,
          lineStyle: { type: 'dashed', width: 2, color: s.color, opacity: s.opacity },
          label: { fontSize: 14, position: 'insideEndTop', formatter: (p) => p.name },
          data: s.marks.map(({ label, ...at }) => ({ ...at, name: label })),
        },
      })),
    });
    addEventListener('resize', () => chart.resize());
  }
`;

export function renderReport({ groups, chartLibrary, generatedAt }: ReportInput): string {
  const names = groups.map((g) => g.scenarioName);
  const charts = Object.fromEntries(groups.map((g, i) => [i + 1, chartSeries(g.runs)]));
  const runs = groups.reduce((sum, g) => sum + g.runs.length, 0);
  return htmlPage({
    title: names.join(', '),
    heading: 'timewait-lab report',
    note: `${groups.length === 1 ? 'One scenario' : `${groups.length} scenarios`}, ${runs === 1 ? 'one run' : `${runs} runs`}: ${names.join(', ')}.`,
    body: groups.map((g, i) => scenarioSection(g, i + 1)).join('\n'),
    charts,
    draw: DRAW_CHARTS,
    chartLibrary,
    generatedAt,
  });
}

export interface HtmlPage {
  /** Plain text (escaped here). */
  title: string;
  heading: string;
  note: string;
  /** HTML. */
  body: string;
  /** The charts' data, read by `draw` from the element #chart-data. */
  charts: unknown;
  draw: string;
  chartLibrary: ReportInput['chartLibrary'];
  generatedAt: string;
}

/** A report page, self-contained: styles, data, the charting library and the code that draws inside it. */
export function htmlPage({ title, heading, note, body, charts, draw, chartLibrary, generatedAt }: HtmlPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>timewait-lab: ${esc(title)}</title>
<style>${STYLE}${LEDGER_STYLE}</style>
</head>
<body>
<header>
  <h1>${esc(heading)}</h1>
  <p class="note">${esc(note)}</p>
</header>
${body}
<footer>Made by timewait-lab on ${esc(generatedAt)}. Charts: ${esc(chartLibrary.name)} ${esc(chartLibrary.version)} (Apache-2.0), inlined; this file makes no network request.</footer>
<script type="application/json" id="chart-data">${scriptJson(charts)}</script>
<script>${chartLibrary.source}</script>
<script>${draw}</script>
</body>
</html>
`;
}
