// What a variant looks like while it runs, as strings: the live frame redrawn in place on a
// terminal, and the plain progress lines written when the output is not a terminal.
import type { RunEvent } from '../scenario/run-events.ts';
import type { Sample } from '../observe/sampler.ts';
import type { Variant } from '../scenario/contract.ts';
import { styler } from './terminal-text.ts';
import type { ExpectedPlateau } from '../result/time-wait.ts';
import { formatCount } from '../shared/numbers.ts';
import { rateFigures, rateHeld, rateVerdict } from './rate-text.ts';
import type { RateOutcome } from '../shapes/client-protocol.ts';

export interface VariantView {
  name: string;
  role: Variant['role'];
  summary: string;
  /** Where the variant's server listens. */
  host: string;
  port: number;
  /** Which trial of how many (--repeat); 1 of 1 for a single run. */
  trial: number;
  trials: number;
  /** The requests the client sends in all; null when nobody says (a measured client). */
  requests: number | null;
  /** Whether the client reports its progress (a measured client need not). */
  reporting: boolean;
  done: number;
  failed: number;
  /** Time since the variant started (its server was up), by the sampler's clock. */
  elapsedMs: number;
  /** How long the client's load took, once it is done. */
  loadMs: number | null;
  /** Once the load is done, how long the drain may go on (null: no drain). */
  drainLimitMs: number | null;
  /** The trial is over (its summary is in). */
  finished: boolean;
  /** How long after the load its TIME_WAIT was gone, once a drained trial is over; null otherwise. */
  zeroAfterMs: number | null;
  /** The plateau a connection per request would hold (rate × 60 s), drawn as a line; null when the load does not outlast TIME_WAIT. */
  expected: ExpectedPlateau | null;
  /** Client-side TIME_WAIT, server-side TIME_WAIT and client-side ESTABLISHED of the last sample. */
  now: { clientTimeWait: number; serverTimeWait: number; established: number };
  /** TIME_WAIT on both sides, one value per sample. */
  timeWait: number[];
  /** Under a rate: the rate asked, what the client reported so far, and its outcome once the trial is done. */
  rate: ViewRate | null;
}

export interface ViewRate {
  askedPerSec: number;
  started: number;
  dropped: number;
  /** The client's own time since its load started, at its last report. */
  clientElapsedMs: number;
  /** The trial's figures, once it is done. */
  final: RateOutcome | null;
  /** The cap on requests in flight. */
  cap: number;
}

export function newVariantView(
  variant: { name: string; role: Variant['role']; summary: string },
  port: number,
  requests: number | null,
  trial = 1,
  trials = 1,
  host = '127.0.0.1',
  /** Under a rate: the rate asked and the cap on requests in flight. */
  rate?: { askedPerSec: number; cap: number },
  expected: ExpectedPlateau | null = null,
): VariantView {
  return {
    rate: rate ? { ...rate, started: 0, dropped: 0, clientElapsedMs: 0, final: null } : null,
    ...variant,
    host,
    port,
    trial,
    trials,
    requests,
    reporting: false,
    done: 0,
    failed: 0,
    elapsedMs: 0,
    loadMs: null,
    drainLimitMs: null,
    finished: false,
    zeroAfterMs: null,
    expected,
    now: { clientTimeWait: 0, serverTimeWait: 0, established: 0 },
    timeWait: [],
  };
}

function addSample(view: VariantView, sample: Sample): void {
  const clientTimeWait = sample.clientSide.timeWait ?? 0;
  const serverTimeWait = sample.serverSide.timeWait ?? 0;
  view.now = { clientTimeWait, serverTimeWait, established: sample.clientSide.established ?? 0 };
  view.timeWait.push(clientTimeWait + serverTimeWait);
  view.elapsedMs = Math.max(view.elapsedMs, sample.tMs);
}

/** Brings the view up to date with a sample, the client's progress, the end of its load, or the end of the trial. */
export function updateView(view: VariantView, event: Exclude<RunEvent, { type: 'variant-start' | 'variant-done' }>): void {
  if (event.type === 'sample') {
    addSample(view, event.sample);
  } else if (event.type === 'progress') {
    const { done, failed, started = 0, dropped = 0, elapsedMs, total } = event.progress;
    Object.assign(view, { done, failed, reporting: true, requests: view.requests ?? total ?? null });
    if (view.rate) Object.assign(view.rate, { started, dropped, clientElapsedMs: elapsedMs });
  } else if (event.type === 'load-done') {
    Object.assign(view, { loadMs: event.loadMs, drainLimitMs: event.drainLimitMs });
  } else {
    const s = event.summary;
    Object.assign(view, {
      done: s.requests.ok + s.requests.failed,
      failed: s.requests.failed,
      loadMs: s.durationMs,
      finished: true,
      zeroAfterMs: s.timeWait.drain?.zeroAfterMs ?? null,
    });
    if (view.rate && s.rate) Object.assign(view.rate, { final: s.rate, dropped: s.rate.dropped });
  }
}

/** Requests dealt with: answered or failed, and under a rate those dropped, which never will be. */
export const settled = (view: VariantView) => view.done + (view.rate?.dropped ?? 0);

/** `299.1 of 300 requests/s started, none dropped so far`, or once done `held: ...` or `NOT held: ...` (output/rate-text.ts). */
export function rateLine(rate: ViewRate): string {
  if (rate.final) return rateVerdict(rate.final, rate.cap);
  const soFar = rate.clientElapsedMs > 0 ? Math.round((rate.started * 10_000) / rate.clientElapsedMs) / 10 : 0;
  return `${rateFigures({ askedPerSec: rate.askedPerSec, achievedPerSec: soFar, dropped: rate.dropped })} so far`;
}

const BLOCKS = '▁▂▃▄▅▆▇█';
const LINE = '┈';

/**
 * `values` as `height` lines of block characters, top line first, at most `width` wide (older
 * values are folded: each column shows the largest value it covers), scaled so that `max` fills
 * every line; a column always shows at least its lowest eighth. `line`: a value drawn across the
 * whole width (┈) where the columns do not reach it.
 */
export function chart(values: number[], width: number, height: number, max: number, line: number | null = null): string[] {
  const columns = Math.min(values.length, width);
  const levels = height * BLOCKS.length;
  const levelOf = (value: number) => (max > 0 ? Math.min(levels, Math.ceil((value / max) * levels)) : 0);
  const lineRow = line === null ? -1 : lineRowOf(line, height, max);
  const rows: string[] = Array.from({ length: height }, () => '');
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * values.length) / columns);
    const to = Math.floor(((c + 1) * values.length) / columns);
    const level = Math.max(1, levelOf(Math.max(...values.slice(from, to))));
    for (let r = 0; r < height; r++) {
      const fill = Math.min(BLOCKS.length, level - (height - 1 - r) * BLOCKS.length);
      rows[r] += fill > 0 ? BLOCKS[fill - 1]! : r === lineRow ? LINE : ' ';
    }
  }
  if (lineRow >= 0) rows[lineRow] = rows[lineRow]!.padEnd(width, LINE);
  return rows;
}

/** The line of a chart `height` lines high, counted from the top, that holds `value`: the one its level's top eighth is in. */
export function lineRowOf(value: number, height: number, max: number): number {
  const level = max > 0 ? Math.min(height * BLOCKS.length, Math.ceil((value / max) * height * BLOCKS.length)) : 0;
  return height - Math.min(height, Math.max(1, Math.ceil(level / BLOCKS.length)));
}

/** `chart` in one line: a sparkline. */
export const sparkline = (values: number[], width: number, max: number): string => chart(values, width, 1, max)[0]!;

/** Lines of the chart when it draws the expected plateau; room above the line for the sawtooth (60 s plus up to a wheel step). */
const CHART_ROWS = 4;
const HEADROOM = 1.15;

const ofTrials = (view: VariantView) => (view.trials > 1 ? `, trial ${view.trial} of ${view.trials}` : '');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function bar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function fit(text: string, columns: number): string {
  return text.length <= columns ? text : `${text.slice(0, Math.max(0, columns - 1))}…`;
}

export interface FrameOptions {
  columns: number;
  color: boolean;
  /** The TIME_WAIT that fills the sparkline: shared by the variants of a run, so they compare. */
  scaleMax: number;
}

/** What the variant is doing: running, draining, or done with its figures. */
function status(view: VariantView): string {
  const outcome = () => `${formatCount(view.done - view.failed)} ok, ${formatCount(view.failed)} failed in ${seconds(view.loadMs!)}`;
  if (view.finished) return `done: ${outcome()}${view.zeroAfterMs !== null ? `, TIME_WAIT gone ${seconds(view.zeroAfterMs)} later` : ''}`;
  if (view.loadMs !== null && view.drainLimitMs !== null) return `draining (at most ${seconds(view.drainLimitMs)}) after ${outcome()}`;
  return 'running';
}

/** The TIME_WAIT chart's lines: a sparkline, or with an expected plateau a few lines with it drawn across. */
function chartLines(view: VariantView, width: number, scaleMax: number, paint: (text: string) => string): string[] {
  const label = (text: string) => text.padEnd(13);
  if (!view.expected) {
    const scale = `  (full: ${formatCount(scaleMax)})`;
    const sparkWidth = Math.max(5, width - 2 - 13 - scale.length);
    return [`  ${label('TIME_WAIT')}${paint(sparkline(view.timeWait, sparkWidth, scaleMax).padEnd(sparkWidth))}${scale}`];
  }
  const { count, because } = view.expected;
  const max = Math.max(scaleMax, Math.ceil(count * HEADROOM));
  const room = width - 2 - 13;
  // The line's words where they leave the chart half the room at least; a narrower terminal gets fewer words.
  const words = [`  ${LINE} ${formatCount(count)} = ${because}`, `  ${LINE} ${formatCount(count)}`, ''].find((w) => room - w.length >= room / 2) ?? '';
  const chartWidth = Math.max(5, room - words.length);
  const rows = chart(view.timeWait, chartWidth, CHART_ROWS, max, count);
  const lineRow = lineRowOf(count, CHART_ROWS, max);
  return rows.map((row, r) => `  ${label(r === 0 ? 'TIME_WAIT' : '')}${paint(row.padEnd(chartWidth))}${r === lineRow ? words : ''}`);
}

/** The lines of one variant's live frame; none is longer than `columns`, so redrawing never wraps. */
export function renderFrame(view: VariantView, { columns, color, scaleMax }: FrameOptions): string[] {
  const style = styler(color);
  const width = Math.max(20, columns - 1);
  const label = (text: string) => text.padEnd(13);
  const roleColor = view.role === 'fix' ? 'green' : view.role === 'measured' ? 'blue' : 'red';
  const title = fit(`${view.finished ? '■' : '▶'} ${view.name} (${view.role}${ofTrials(view)}), ${status(view)}: ${view.summary}`, width);
  const counts = `${formatCount(settled(view))} / ${formatCount(view.requests ?? 0)}  ${seconds(view.elapsedMs)}`;
  const barWidth = Math.max(5, Math.min(40, width - 2 - 13 - 2 - counts.length));
  // A client that does not say how many requests it sends has a count, not a bar; one that says nothing, neither.
  const requests =
    view.requests !== null
      ? `${bar(settled(view), view.requests, barWidth)}  ${counts}`
      : view.reporting || view.loadMs !== null
        ? `${formatCount(view.done)} ${view.loadMs === null ? 'so far' : 'in all'}  ${seconds(view.elapsedMs)}`
        : `counted by the server when the client is done  ${seconds(view.elapsedMs)}`;
  const [client, server, established] = [view.now.clientTimeWait, view.now.serverTimeWait, view.now.established].map((x) => formatCount(x));
  const sockets = `  ${label('TIME_WAIT')}client ${client}  server ${server}   ESTABLISHED ${established}`;
  const rate = view.rate && fit(`  ${label('rate')}${rateLine(view.rate)}`, width);
  const final = view.rate?.final;
  const rateColor = final ? (rateHeld(final) ? 'green' : 'red') : null;
  return [
    style(['bold', roleColor], title),
    fit(`  ${label('requests')}${requests}`, width),
    // Styled only when it fits whole (fit() would cut an escape sequence): green held, red not, plain while it runs.
    ...(rate ? [rateColor && !rate.endsWith('…') ? style(rateColor, rate) : rate] : []),
    // Styled only when it fits whole: cutting a styled line could cut an escape sequence.
    sockets.length <= width
      ? `  ${label('TIME_WAIT')}client ${style('bold', client!)}  server ${style('bold', server!)}   ESTABLISHED ${style('bold', established!)}`
      : fit(sockets, width),
    ...chartLines(view, width, scaleMax, (text) => style('yellow', text)),
  ];
}

/** The progress points (in % of the requests) that get a plain line. */
export const PLAIN_MILESTONES = [25, 50, 75];

export function plainStartLine(view: VariantView): string {
  return `> ${view.name} (${view.role}${ofTrials(view)}): ${view.summary} [server ${view.host}:${view.port}]`;
}

export function plainProgressLine(view: VariantView, percent: number): string {
  return (
    `  ${percent}%: ${formatCount(settled(view))} of ${formatCount(view.requests ?? settled(view))} requests in ${seconds(view.elapsedMs)}; ` +
    (view.rate ? `rate ${rateLine(view.rate)}; ` : '') +
    `TIME_WAIT client ${formatCount(view.now.clientTimeWait)}, server ${formatCount(view.now.serverTimeWait)}; ESTABLISHED ${formatCount(view.now.established)}`
  );
}

export function plainDrainLine(view: VariantView): string {
  return (
    `  load done in ${seconds(view.loadMs ?? view.elapsedMs)}; sampling on until TIME_WAIT is gone (at most ${seconds(view.drainLimitMs ?? 0)}): ` +
    `TIME_WAIT client ${formatCount(view.now.clientTimeWait)}, server ${formatCount(view.now.serverTimeWait)}`
  );
}

export function plainDoneLine(view: VariantView): string {
  return (
    `  done: ${formatCount(view.done - view.failed)} ok, ${formatCount(view.failed)} failed in ${seconds(view.loadMs ?? view.elapsedMs)}; ` +
    (view.rate ? `rate ${rateLine(view.rate)}; ` : '') +
    `TIME_WAIT peak ${formatCount(view.timeWait.reduce((a, b) => Math.max(a, b), 0))}` +
    (view.zeroAfterMs !== null ? `; TIME_WAIT gone ${seconds(view.zeroAfterMs)} after the load` : '')
  );
}
