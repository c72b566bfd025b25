// The HTML report of an observation, opened in headless Chromium: it loads with no error and no
// request beyond the file, draws TIME_WAIT and new connections a second for the busiest
// destinations, and its lines end where the observation's rows say. The observation is a real one
// (test/fixtures/observation-curl-loop.json, how it was captured: test/result/json-schema.test.ts).
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Observation } from '../../harness/host/observation-schema.ts';
import { openInChromium } from '../support/browser.ts';
import { ROOT, runCli } from '../support/helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-observation-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('npm run report draws an observation: TIME_WAIT and new connections a second per busiest destination', async () => {
  const file = path.join(dir, 'observation.json');
  await copyFile(new URL('../fixtures/observation-curl-loop.json', import.meta.url), file);
  const observation = JSON.parse(await readFile(file, 'utf8')) as Observation;
  const run = await runCli('harness/commands/report.ts', [file]);
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stdout.trim()).toBe(path.join(dir, 'observation.html'));
  const opened = await openInChromium(pathToFileURL(run.stdout.trim()).href);
  try {
    await opened.page.waitForSelector('#chart-1 svg');
    const charts = await opened.page.evaluate(() =>
      [0, 1].map((i) => {
        const el = document.getElementById(`chart-${i}`)!;
        const chart = (window as unknown as { echarts: { getInstanceByDom(e: HTMLElement): { getOption(): { series: { name: string; data: [number, number][] }[] } } } }).echarts.getInstanceByDom(el);
        return chart.getOption().series.map((s) => ({ name: s.name, data: s.data }));
      }),
    );
    const busiest = observation.rows.slice(0, 5);
    for (const chart of charts) expect(chart.map((s) => s.name)).toEqual(busiest.map((r) => r.destination));
    // TIME_WAIT's lines end at what each row holds at the end (both read from the last table).
    expect(charts[0]!.map((s) => s.data.at(-1)![1])).toEqual(busiest.map((r) => r.timeWaitNow));
    // New connections a second, added up over the samples' intervals, are the row's connections.
    const connectionsDrawn = charts[1]!.map((s) => Math.round(s.data.reduce((sum, [t, perS], i) => sum + perS * (t - (s.data[i - 1]?.[0] ?? 0)), 0)));
    expect(connectionsDrawn).toEqual(busiest.map((r) => r.newConnections));
    expect(opened.problems).toEqual([]);
    expect(opened.requests).toEqual([pathToFileURL(run.stdout.trim()).href]);
    await mkdir(path.join(ROOT, 'test-artifacts'), { recursive: true });
    await opened.page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'observation-report.png'), fullPage: true });
  } finally {
    await opened.close();
  }
}, 120_000);

it('an observation with result files, or two observations: one line, exit 2', async () => {
  const file = path.join(dir, 'observation.json');
  await copyFile(new URL('../fixtures/observation-curl-loop.json', import.meta.url), file);
  const run = await runCli('harness/commands/report.ts', [file, file]);
  expect(run.exitCode).toBe(2);
  expect(run.stderr).toBe('report: an observation (npm run observe) is drawn on its own: give one observation file, or result files only');
});
