// The HTML report of one observation (`npm run report results/<time>-observe.json`), self-contained
// like a run's report (./report-html.ts, whose page it shares): the answer, the rows with their
// diagnoses, and two charts over the window for the busiest destinations: TIME_WAIT held, and new
// connections a second (between two samples).
import type { Observation } from '../../host/observation-schema.ts';
import { formatCount } from '../../shared/numbers.ts';
import { esc, htmlPage } from './report-html.ts';

/** Destinations drawn: the busiest at the end. */
const DRAWN = 5;

export interface ObservationChart {
  title: string;
  unit: string;
  series: { name: string; data: [number, number][] }[];
}

/** The two charts: per destination, [seconds, TIME_WAIT] and [seconds, new connections a second since the sample before]. */
export function observationCharts(o: Observation): ObservationChart[] {
  const drawn = o.rows.slice(0, DRAWN).map((r) => r.destination);
  const timeWait = drawn.map((name) => ({ name, data: o.samples.map((s): [number, number] => [s.tMs / 1000, s.destinations.find((d) => d.destination === name)?.timeWait ?? 0]) }));
  const perSecond = drawn.map((name) => ({
    name,
    data: o.samples.map((s, i): [number, number] => {
      const opened = (sample: (typeof o.samples)[number] | undefined) => sample?.destinations.find((d) => d.destination === name)?.opened ?? 0;
      const before = o.samples[i - 1];
      const seconds = (s.tMs - (before?.tMs ?? 0)) / 1000;
      return [s.tMs / 1000, seconds > 0 ? Math.round(((opened(s) - opened(before)) / seconds) * 10) / 10 : 0];
    }),
  }));
  return [
    { title: 'TIME_WAIT held, per destination', unit: 'sockets', series: timeWait },
    { title: 'New connections a second, per destination', unit: 'connections/s', series: perSecond },
  ];
}

const DRAW = `
  const charts = JSON.parse(document.getElementById('chart-data').textContent);
  charts.forEach((c, i) => {
    const chart = echarts.init(document.getElementById('chart-' + i), null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      textStyle: { fontSize: 15 },
      grid: { left: 70, right: 260, top: 40, bottom: 60 },
      legend: { type: 'scroll', orient: 'vertical', right: 10, top: 'middle', textStyle: { fontSize: 15 } },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 'seconds', nameLocation: 'middle', nameGap: 30 },
      yAxis: { type: 'value', name: c.unit },
      series: c.series.map((s) => ({ name: s.name, type: 'line', showSymbol: false, data: s.data, lineStyle: { width: 3 } })),
    });
    addEventListener('resize', () => chart.resize());
  });
`;

function rowsTable(o: Observation): string {
  const rows = o.rows.slice(0, 20).map(
    (r) => `<tr><td>${r.direction === 'outbound' ? 'to' : 'from'} ${esc(r.destination)}</td><td>${esc(r.process ? r.process.name : '-')}</td>` +
      `<td>${r.perSecond.toFixed(1)}</td><td>${formatCount(r.timeWaitNow)}</td><td>${esc(r.diagnosis)}</td></tr>`,
  );
  return `<table><thead><tr><th>destination</th><th>process</th><th>new/s</th><th>TIME_WAIT</th><th>diagnosis</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderObservationReport(o: Observation, chartLibrary: { name: string; version: string; source: string }, generatedAt: string): string {
  const charts = observationCharts(o);
  const body = `<section>
<p class="verdict">${esc(o.summary)}</p>
${charts.map((c, i) => `<h2>${esc(c.title)}</h2><div class="chart" id="chart-${i}" style="height: 420px"></div>`).join('\n')}
${rowsTable(o)}
${o.unread.length > 0 ? `<ul class="note">${o.unread.map((u) => `<li>not read: ${esc(u)}</li>`).join('')}</ul>` : ''}
</section>`;
  return htmlPage({
    title: `observation of ${o.namespace.description}`,
    heading: 'timewait-lab observation',
    note: `${o.namespace.description}, ${o.windowS.toFixed(1)} s from ${o.startedAt}${o.traced ? ', traced' : ''}.`,
    body,
    charts,
    draw: DRAW,
    chartLibrary,
    generatedAt,
  });
}
