// The HTML report, opened in a real browser (headless Chromium): it must load with no console
// error and no request beyond the file itself, draw a chart with a line per variant and metric
// (and per run when results are overlaid), and hold the figures of the result files.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_METRICS } from '../../harness/output/html/report-html.ts';
import { figureLabel } from '../../harness/result/figures.ts';
import type { Result } from '../../harness/result/schema.ts';
import noBodyClose from '../../scenarios/no-body-close.ts';
import { openInChromium } from '../support/browser.ts';
import { execa } from 'execa';
import { measureCli, ROOT, runCli, scenarioCli } from '../support/helpers.ts';
import { formatCount } from '../../harness/shared/numbers.ts';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const noCurl = (await execa('curl', ['--version'], { reject: false })).exitCode === 0 ? null : 'curl is not on PATH';

let dir: string;
const files = { a: '', b: '' };
const results: Record<'a' | 'b', Result> = {} as never;

/** One scenario run, small enough to be quick and large enough to pile up TIME_WAIT. */
async function run(name: 'a' | 'b', extra: string[] = []) {
  files[name] = path.join(dir, `${name}.json`);
  const cli = await scenarioCli(['no-body-close', '--quiet', '--requests', '400', '--out', files[name], ...extra]);
  expect(cli.exitCode, cli.stderr).toBe(0);
  results[name] = JSON.parse(await readFile(files[name], 'utf8')) as Result;
  return cli;
}

/** Everything the page shows that the test checks, read in the page; the table's cells of `variants`. */
async function readPage(page: Awaited<ReturnType<typeof openInChromium>>['page'], variants: string[]) {
  await page.waitForSelector('.chart svg');
  // The rows' labels, from the table of figures: the page function runs in the browser, so they are handed to it.
  const rows = { connections: figureLabel('connectionsOpened'), timeWaitClient: figureLabel('timeWait.clientSide.peak') };
  return page.evaluate(({ rows, variants }) => {
    const el = document.querySelector<HTMLElement>('.chart')!;
    type Mark = { name: string; yAxis?: number; xAxis?: number };
    const option = (
      window as unknown as {
        echarts: { getInstanceByDom(e: HTMLElement): { getOption(): { series: { name: string; color: string; data: [number, number][]; markLine?: { data: Mark[] } }[] } } };
      }
    ).echarts.getInstanceByDom(el).getOption();
    const colors = new Set(option.series.map((s) => s.color));
    const svg = el.querySelector('svg')!;
    // A drawn line: an unfilled path in a series colour through more than one point.
    const lines = [...svg.querySelectorAll('path')].filter(
      (p) => p.getAttribute('fill') === 'none' && colors.has(p.getAttribute('stroke') ?? '') && /[LC]/.test(p.getAttribute('d') ?? ''),
    );
    const cell = (run: number, row: string, variant: string) =>
      document.querySelector(`table.summary[data-run="${run}"] tr[data-row="${row}"] td[data-variant="${variant}"]`)?.textContent ?? null;
    return {
      svgSize: [svg.getBoundingClientRect().width, svg.getBoundingClientRect().height],
      series: option.series.map((s) => ({
        name: s.name,
        points: s.data.length,
        max: Math.max(...s.data.map((d) => d[1])),
        lastSecond: s.data.at(-1)?.[0] ?? 0,
        marks: (s.markLine?.data ?? []).map(({ name, yAxis, xAxis }) => ({ name, ...(yAxis !== undefined && { yAxis }), ...(xAxis !== undefined && { xAxis }) })),
      })),
      linesDrawn: lines.length,
      table: [1, 2].map((run) =>
        variants.map((v) => ({
          connections: cell(run, rows.connections, v),
          timeWaitClient: cell(run, rows.timeWaitClient, v),
          requests: cell(run, 'requests ok / failed', v),
        })),
      ),
      claims: document.querySelectorAll('ul.claims li').length,
      projections: [...document.querySelectorAll('ul.projection li')].map((li) => li.textContent),
      removed: [...document.querySelectorAll('td.code.removed')].map((td) => td.textContent),
      added: [...document.querySelectorAll('td.code.added')].map((td) => td.textContent),
      marked: [...document.querySelectorAll('td.code mark')].map((m) => m.textContent),
      helpers: document.querySelector('details.helpers pre')?.textContent ?? '',
      commands: [...document.querySelectorAll('dl.commands dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]),
      text: document.body.innerText,
    };
  }, { rows, variants });
}

/**
 * Opens a report in Chromium, saves a full-page screenshot as `artifact`, checks that it loaded
 * with no error and asked for nothing but itself, and returns what it shows.
 */
async function openReport(html: string, artifact: string, variants = ['bad', 'good']) {
  const url = pathToFileURL(html).href;
  const opened = await openInChromium(url);
  try {
    const shown = await readPage(opened.page, variants);
    await opened.page.screenshot({ path: path.join(ARTIFACTS, artifact), fullPage: true });
    expect(opened.problems).toEqual([]);
    expect(opened.requests).toEqual([url]);
    return shown;
  } finally {
    await opened.close();
  }
}

describe('the HTML report in Chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'timewait-report-'));
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--report writes X.html beside X.json: the story, the code, a chart of every variant, the figures', async () => {
    const cli = await run('a', ['--report']);
    const html = path.join(dir, 'a.html');
    expect(cli.stderr).toContain(`Report written to ${path.relative(ROOT, html)}`);
    const shown = await openReport(html, 'report-one-run.png');
    const result = results.a;
    expect(shown.svgSize[0]).toBeGreaterThan(400);
    expect(shown.svgSize[1]).toBeGreaterThan(200);
    const expected = result.variants.flatMap((v) => CHART_METRICS.map((m) => `${v.name}: ${m.label}`));
    expect(shown.series.map((s) => s.name)).toEqual(expected);
    expect(shown.linesDrawn).toBeGreaterThanOrEqual(expected.length);
    for (const [i, v] of result.variants.entries()) {
      const [client, server, established] = shown.series.slice(3 * i, 3 * i + 3);
      expect(client!.points).toBe(v.samples.length);
      expect(client!.max).toBe(v.summary.timeWait.clientSide.peak);
      expect(server!.max).toBe(v.summary.timeWait.serverSide.peak);
      expect(established!.max).toBe(v.summary.established.clientSide.peak);
    }
    for (const [j, v] of result.variants.entries()) {
      expect(shown.table[0]![j]).toEqual({
        connections: formatCount(v.summary.connectionsOpened),
        timeWaitClient: formatCount(v.summary.timeWait.clientSide.peak),
        requests: `${formatCount(v.summary.requests.ok)} / ${formatCount(v.summary.requests.failed)}`,
      });
    }
    expect(shown.claims).toBe(result.claims.length);
    expect(shown.projections).toHaveLength(result.variants.length);
    expect(shown.projections[0]).toMatch(/^bad: [\d,]+ new connections\/s, \d+% closed by the client first/);
    expect(shown.text).toContain(noBodyClose.explanation.fix);
    expect(shown.removed.join('\n')).toContain('res.destroy()');
    expect(shown.added.join('\n')).toContain('consume(res)');
    expect(shown.marked.join(' ')).toMatch(/destroy/);
    expect(shown.helpers).toBe(await readFile(path.join(ROOT, 'scenarios/_http.ts'), 'utf8'));
    expect(shown.text).toContain(result.env.kernel);
  });

  it('draws each variant\'s connections: one typical connection on two lanes, the TIME_WAIT on the side that closed first, and the requests per connection as bars', async () => {
    const html = path.join(dir, 'a.html'); // the report of the first test's run
    const opened = await openInChromium(pathToFileURL(html).href);
    try {
      const shown = await opened.page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.ledger-variant')].map((el) => ({
          variant: el.dataset.variant,
          sentence: el.querySelector('p')?.textContent ?? '',
          lanes: [...el.querySelectorAll<SVGGElement>('svg.sequence .lane')].map((g) => g.dataset.side),
          ticks: [...el.querySelectorAll<SVGGElement>('svg.sequence .tick')].map((g) => `${g.dataset.side} ${g.dataset.state}`),
          arrows: [...el.querySelectorAll<SVGGElement>('svg.sequence .arrow')].map((g) => `${g.dataset.arrow} from ${g.dataset.from}`),
          timeWait: (el.querySelector('svg.sequence .time-wait') as SVGGElement | null)?.dataset.side ?? null,
          requests: el.querySelector('svg.sequence .requests text')?.textContent ?? null,
          bars: [...el.querySelectorAll<SVGRectElement>('svg.histogram rect')].map((r) => ({
            requests: r.dataset.requests,
            connections: Number(r.dataset.connections),
            height: r.getBoundingClientRect().height,
          })),
        })),
      );
      await opened.page.locator('section.ledger').screenshot({ path: path.join(ARTIFACTS, 'report-ledger.png') });
      expect(opened.problems).toEqual([]);
      const result = results.a;
      expect(shown.map((v) => v.variant)).toEqual(result.variants.map((v) => v.name));
      for (const v of result.variants) {
        const drawn = shown.find((s) => s.variant === v.name)!;
        const ledger = v.summary.connections!;
        // The server's count, with or without root: a bar per count of requests, as tall as its connections.
        const histogram = ledger.requestsPerConnection!.histogram;
        expect(Object.fromEntries(drawn.bars.map((b) => [b.requests, b.connections]))).toEqual(histogram);
        const byHeight = drawn.bars.toSorted((a, b) => a.height - b.height).map((b) => b.connections);
        expect(byHeight).toEqual(byHeight.toSorted((a, b) => a - b));
        if (!ledger.traced) {
          expect(drawn.lanes).toEqual([]);
          continue;
        }
        expect(drawn.lanes).toEqual(['client', 'server']);
        expect(drawn.arrows[0]).toBe('SYN from client');
      }
      // The bad client closes first with a FIN after one request: its TIME_WAIT on the client lane.
      const bad = shown.find((s) => s.variant === 'bad')!;
      if (result.variants[0]!.summary.connections!.traced) {
        expect(bad.sentence).toBe(`The client closed ${formatCount(400)} of ${formatCount(400)} connections first, with a FIN: ${formatCount(400)} TIME_WAIT on the client; 1 request per connection (median).`);
        expect(bad.arrows).toEqual(['SYN from client', 'FIN from client', 'FIN from server']);
        expect(bad.timeWait).toBe('client');
        expect(bad.requests).toBe('1 request');
        expect(bad.ticks.filter((t) => t.startsWith('client'))).toEqual(['client SYN_SENT', 'client ESTABLISHED', 'client FIN_WAIT1', 'client FIN_WAIT2', 'client CLOSE']);
        expect(bad.ticks.filter((t) => t.startsWith('server'))).toEqual(expect.arrayContaining(['server CLOSE_WAIT', 'server LAST_ACK', 'server CLOSE']));
        const good = shown.find((s) => s.variant === 'good')!;
        expect(Number(good.requests!.split(' ')[0])).toBeGreaterThan(1);
      }
    } finally {
      await opened.close();
    }
  });

  it('npm run report overlays several results of one scenario as runs, each with its own table', async () => {
    await run('b');
    const report = await runCli('harness/commands/report.ts', [files.a, files.b]);
    expect(report.exitCode, report.stderr).toBe(0);
    const html = report.stdout.trim();
    expect(path.dirname(html)).toBe(dir);
    const shown = await openReport(html, 'report-two-runs.png');
    const runs = [results.a, results.b].sort((x, y) => x.startedAt.localeCompare(y.startedAt));
    const expected = runs.flatMap((r, k) =>
      r.variants.flatMap((v) => CHART_METRICS.map((m) => `${v.name}: ${m.label} (run ${k + 1})`)),
    );
    expect(shown.series.map((s) => s.name)).toEqual(expected);
    expect(shown.linesDrawn).toBeGreaterThanOrEqual(expected.length);
    for (const [k, r] of runs.entries()) {
      for (const [j, v] of r.variants.entries()) expect(shown.table[k]![j]!.connections).toBe(formatCount(v.summary.connectionsOpened));
    }
  });

  it.skipIf(noCurl)("a measurement (npm run measure --report): each client's command where a scenario has its code, its lines, its figures", async () => {
    const clients = {
      loop: 'for i in $(seq 30); do curl -s -o /dev/null "$TARGET_URL"; done',
      one: `curl -s $(for i in $(seq 30); do printf -- '-o /dev/null %s ' "$TARGET_URL"; done)`,
    };
    const file = path.join(dir, 'measure.json');
    const cli = await measureCli(['--quiet', '--report', '--out', file, ...Object.entries(clients).flatMap(([name, command]) => ['--client', `${name}=${command}`])]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const result = JSON.parse(await readFile(file, 'utf8')) as Result;
    const shown = await openReport(path.join(dir, 'measure.html'), 'report-measure.png', ['loop', 'one']);
    expect(shown.commands).toEqual(Object.entries(clients));
    expect(shown.removed).toEqual([]);
    expect(shown.series.map((s) => s.name)).toEqual(result.variants.flatMap((v) => CHART_METRICS.map((m) => `${v.name}: ${m.label}`)));
    expect(shown.linesDrawn).toBeGreaterThanOrEqual(shown.series.length);
    expect(shown.table[0]!.map((cell) => cell.connections)).toEqual(['30', '1']);
    expect(shown.text).toContain(`Verdict: ${result.verdict}.`);
  });

  it('a long run: the chart spans the whole of it, drain included, and marks the plateau a rate would hold and where the load ended', async () => {
    const fixture = path.join(ROOT, 'test/fixtures/results/steady-state.json');
    const html = path.join(dir, 'steady-state.html');
    const report = await runCli('harness/commands/report.ts', ['--out', html, fixture]);
    expect(report.exitCode, report.stderr).toBe(0);
    const shown = await openReport(html, 'report-steady-state.png');
    const result = JSON.parse(await readFile(fixture, 'utf8')) as Result;
    const bad = result.variants.find((v) => v.name === 'bad')!;
    const drain = bad.summary.timeWait.drain!;
    const [client] = shown.series;
    expect(client!.name).toBe(`bad: ${CHART_METRICS[0]!.label}`);
    expect(client!.points).toBe(bad.samples.length);
    expect(client!.lastSecond).toBeGreaterThanOrEqual((drain.loadEndedMs + drain.zeroAfterMs!) / 1000);
    const rate = result.params.load!.rate!;
    expect(client!.marks).toEqual([
      { name: `bad: ${formatCount(rate * 60)} expected (${rate}/s × 60 s)`, yAxis: rate * 60 },
      { name: 'bad: load ends, drain', xAxis: drain.loadEndedMs / 1000 },
    ]);
    // The fix ran 3 s: no plateau to expect, no drain.
    expect(shown.series.filter((s) => s.name.startsWith('good: ')).every((s) => s.marks.length === 0)).toBe(true);
    expect(shown.projections[0]).toMatch(/measured: TIME_WAIT plateau [\d,]+ against [\d,]+ projected \([+−][\d.]+%: here TIME_WAIT lasts [\d.]+ s, not 60\)/);
  });
});
