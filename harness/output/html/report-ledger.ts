// The connection ledger in the HTML report (summary.connections, docs/ledger.md), drawn as SVG in
// the file itself: for each variant one typical connection of the sample as a sequence on two lanes
// (client, server: the SYN, the requests it carried, the FIN or reset of whichever side closed first,
// the peer's FIN, the TIME_WAIT on the closer with its 60 s), and the histogram of requests per
// connection (the server's count).
import { ledgerSentence } from '../connection-rows.ts';
import type { ConnectionsSummary } from '../../result/connections.ts';
import type { Result, VariantResult } from '../../result/schema.ts';
import { formatCount } from '../../shared/numbers.ts';

type Sampled = ConnectionsSummary['sample'][number];
type Side = 'client' | 'server';

/** TCP_TIMEWAIT_LEN (include/net/tcp.h): the closer keeps the connection this long. */
const TIME_WAIT_MS = 60_000;

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const lifeOf = (c: Sampled) => c.closedMs! - c.openedMs;

/**
 * The sample's typical connection: of those traced on both ends from open to close, closed the way
 * most were (by the same side, FIN or reset), the one of median lifetime; null when none is whole.
 */
export function typicalConnection(connections: ConnectionsSummary): Sampled | null {
  const whole = connections.sample.filter((c) => c.ends.length === 2 && !c.failedConnect && c.closedFirstBy !== null && c.closedMs !== null);
  const way = (c: Sampled) => `${c.closedFirstBy}/${c.how}`;
  const counts = Map.groupBy(whole, way);
  const most = [...counts.values()].sort((a, b) => b.length - a.length)[0];
  if (!most) return null;
  return most.toSorted((a, b) => lifeOf(a) - lifeOf(b))[Math.floor((most.length - 1) / 2)]!;
}

// The sequence's geometry, in SVG units: lanes across, time to the right.
const WIDTH = 1200;
const LANE_Y: Record<Side, number> = { client: 70, server: 190 };
const LEFT = 110;
/** Where the to-scale part ends and the TIME_WAIT's 60 s go on, not to scale, when the connection is short beside them. */
const LIFE_RIGHT = 930;
const RIGHT = WIDTH - 20;
const MIN_GAP = 64;
/** Ticks on one lane closer than this have their labels on alternate rows. */
const LABEL_ROOM = 110;

/** The x of each transition: in time order, to scale but never closer than MIN_GAP (then the scale is kept where the gaps allow). */
function positions(times: number[], from: number, to: number): number[] {
  const gaps = times.slice(1).map((t, i) => Math.max(0, t - times[i]!));
  const total = gaps.reduce((a, b) => a + b, 0);
  const free = Math.max(0, to - from - MIN_GAP * gaps.length);
  const xs = [from];
  for (const gap of gaps) xs.push(xs.at(-1)! + MIN_GAP + (total > 0 ? (free * gap) / total : free / gaps.length));
  return xs;
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 3 : 1)} ms`);

/** A segment from one lane to the other with its head drawn at `to` (no marker: ids would repeat across the page's drawings). */
function arrow(kind: string, from: { x: number; side: Side }, to: { x: number; side: Side }): string {
  const [y1, y2] = [LANE_Y[from.side], LANE_Y[to.side]];
  const mid = { x: (from.x + to.x) / 2, y: (y1 + y2) / 2 };
  const length = Math.hypot(to.x - from.x, y2 - y1);
  const [ux, uy] = [(to.x - from.x) / length, (y2 - y1) / length];
  const [bx, by] = [to.x - 11 * ux, y2 - 11 * uy];
  const head = `M${to.x} ${y2} L${(bx - 5 * uy).toFixed(1)} ${(by + 5 * ux).toFixed(1)} L${(bx + 5 * uy).toFixed(1)} ${(by - 5 * ux).toFixed(1)} z`;
  return `<g class="arrow" data-arrow="${kind}" data-from="${from.side}"><line x1="${from.x}" y1="${y1}" x2="${to.x}" y2="${y2}"/><path d="${head}"/><text x="${mid.x + 6}" y="${mid.y}">${kind}</text></g>`;
}

/** The label row of each tick: 0, or 1 when the tick before it on its lane (on row 0) is too close to share a row. */
function labelRows(ticks: { side: Side; x: number }[]): number[] {
  const last: Partial<Record<Side, { x: number; row: number }>> = {};
  return ticks.map(({ side, x }) => {
    const before = last[side];
    const row = before && x - before.x < LABEL_ROOM && before.row === 0 ? 1 : 0;
    last[side] = { x, row };
    return row;
  });
}

/** One connection on two lanes; the transitions as ticks with their state and time since it opened. */
export function sequenceSvg(variant: string, c: Sampled): string {
  const t = c.transitions;
  const life = lifeOf(c);
  // To scale with its TIME_WAIT when the connection lasted a fifth of it or more; else the 60 s are drawn apart.
  const toScale = c.timeWait !== null && life >= TIME_WAIT_MS / 5;
  const lifeRight = c.timeWait === null ? RIGHT : toScale ? LEFT + ((RIGHT - LEFT) * life) / (life + TIME_WAIT_MS) : LIFE_RIGHT;
  const xs = positions(t.map((x) => x.atMs), LEFT, lifeRight);
  const at = (side: Side, test: (x: Sampled['transitions'][number]) => boolean) => {
    const i = t.findIndex((x) => x.side === side && test(x));
    return i < 0 ? null : { x: xs[i]!, side };
  };
  const closer = c.closedFirstBy!;
  const peer: Side = closer === 'client' ? 'server' : 'client';
  const arrows = [
    [at('client', (x) => x.to === 'SYN_SENT'), at('server', () => true), 'SYN'],
    [at(closer, (x) => x.from === 'ESTABLISHED'), at(peer, (x) => x.from === 'ESTABLISHED'), c.how === 'reset' ? 'RST' : 'FIN'],
    [at(peer, (x) => x.to === 'LAST_ACK'), at(closer, (x) => x.to === 'CLOSE'), 'FIN'],
  ] as const;
  const established = at('client', (x) => x.to === 'ESTABLISHED');
  const closing = at(closer, (x) => x.from === 'ESTABLISHED');
  const requests =
    established && closing
      ? `<g class="requests"><rect x="${established.x}" y="${LANE_Y.client + 14}" width="${Math.max(1, closing.x - established.x)}" height="${LANE_Y.server - LANE_Y.client - 28}"/><text x="${(established.x + closing.x) / 2}" y="${(LANE_Y.client + LANE_Y.server) / 2 + 5}" text-anchor="middle">${c.requests === null ? 'requests not counted' : `${formatCount(c.requests)} request${c.requests === 1 ? '' : 's'}`}</text></g>`
      : '';
  const rows = labelRows(t.map((x, i) => ({ side: x.side, x: xs[i]! })));
  const ticks = t
    .map((x, i) => {
      // Away from the other lane: the state, and under it its time; a second row further out when crowded.
      const out = x.side === 'client' ? -1 : 1;
      const y = LANE_Y[x.side] + out * (rows[i]! * 30 + (x.side === 'client' ? 22 : 20));
      return `<g class="tick" data-side="${x.side}" data-state="${x.to}"><circle cx="${xs[i]}" cy="${LANE_Y[x.side]}" r="5"/><text x="${xs[i]}" y="${y}" text-anchor="middle">${x.to}</text><text class="time" x="${xs[i]}" y="${y + 13}" text-anchor="middle">${ms(x.atMs - c.openedMs)}</text></g>`;
    })
    .join('');
  const tw = c.timeWait;
  const twStart = tw ? (at(tw.side, (x) => x.to === 'CLOSE')?.x ?? lifeRight) : 0;
  const timeWait = tw
    ? `<g class="time-wait" data-side="${tw.side}"><rect x="${twStart}" y="${LANE_Y[tw.side] - 7}" width="${RIGHT - twStart}" height="14"/>${
        toScale ? '' : `<path class="break" d="M${lifeRight + 12} ${LANE_Y[tw.side] - 12} l8 24 M${lifeRight + 20} ${LANE_Y[tw.side] - 12} l8 24"/>`
      }<text x="${RIGHT}" y="${LANE_Y[tw.side] + (tw.side === 'client' ? 26 : -14)}" text-anchor="end">TIME_WAIT on the ${tw.side}, 60 s${toScale ? '' : ' (not to scale)'}</text></g>`
    : '';
  const process = c.process ? ` (${c.process.task}, ${c.process.pid})` : '';
  const lanes = (['client', 'server'] as const)
    .map((side) => `<g class="lane" data-side="${side}"><line x1="${LEFT - 10}" y1="${LANE_Y[side]}" x2="${RIGHT}" y2="${LANE_Y[side]}"/><text x="8" y="${LANE_Y[side] + 5}">${side}</text></g>`)
    .join('');
  return `<svg class="sequence" data-variant="${esc(variant)}" viewBox="0 0 ${WIDTH} 270" role="img" aria-label="${esc(`${variant}: one connection, ${c.tuple}${process}, closed first by the ${closer} with a ${c.how === 'reset' ? 'reset' : 'FIN'}`)}">
    ${lanes}${requests}${timeWait}${arrows.map(([from, to, kind]) => (from && to ? arrow(kind, from, to) : '')).join('')}${ticks}
  </svg>`;
}

const HIST_WIDTH = 1200;
const HIST_HEIGHT = 200;
/** More distinct counts than this are grouped in ranges of equal width. */
const MAX_BARS = 30;

/** Bars of the histogram: each count of requests, or ranges of them when there are many. */
function bars(histogram: Record<string, number>): { label: string; from: number; connections: number }[] {
  const entries = Object.entries(histogram).map(([k, v]) => [Number(k), v] as const).sort((a, b) => a[0] - b[0]);
  if (entries.length <= MAX_BARS) return entries.map(([k, v]) => ({ label: String(k), from: k, connections: v }));
  const max = entries.at(-1)![0];
  const width = Math.ceil((max + 1) / MAX_BARS);
  const ranges = Map.groupBy(entries, ([k]) => Math.floor(k / width));
  return [...ranges.entries()].map(([i, group]) => ({ label: `${i * width}–${i * width + width - 1}`, from: i * width, connections: group.reduce((s, [, v]) => s + v, 0) }));
}

/** Connections by the requests each carried, as bars. */
export function histogramSvg(variant: string, histogram: Record<string, number>): string {
  const all = bars(histogram);
  const top = Math.max(1, ...all.map((b) => b.connections));
  const slot = Math.min(90, (HIST_WIDTH - 80) / Math.max(1, all.length));
  const base = HIST_HEIGHT - 40;
  const drawn = all
    .map((b, i) => {
      const h = ((base - 24) * b.connections) / top;
      const x = 60 + i * slot + slot * 0.1;
      return `<g class="bar"><rect data-requests="${esc(b.label)}" data-connections="${b.connections}" x="${x}" y="${base - h}" width="${slot * 0.8}" height="${h}"/><text x="${x + slot * 0.4}" y="${base - h - 4}" text-anchor="middle">${formatCount(b.connections)}</text><text x="${x + slot * 0.4}" y="${base + 18}" text-anchor="middle">${esc(b.label)}</text></g>`;
    })
    .join('');
  return `<svg class="histogram" data-variant="${esc(variant)}" viewBox="0 0 ${HIST_WIDTH} ${HIST_HEIGHT}" role="img" aria-label="${esc(`${variant}: connections by the requests each carried`)}">
    <line class="axis" x1="50" y1="${base}" x2="${HIST_WIDTH - 10}" y2="${base}"/>${drawn}
    <text class="axis-name" x="${HIST_WIDTH / 2}" y="${HIST_HEIGHT - 4}" text-anchor="middle">requests carried (connections above each bar)</text>
  </svg>`;
}

function variantLedger(v: VariantResult): string {
  const c = v.summary.connections!;
  const typical = c.traced ? typicalConnection(c) : null;
  const sequence = typical
    ? `<figure class="sequence" data-variant="${esc(v.name)}">${sequenceSvg(v.name, typical)}<figcaption>One typical connection, <code>${esc(typical.tuple)}</code>${typical.process ? `, opened by ${esc(typical.process.task)} (${typical.process.pid})` : ''}: its states on each end, traced from the kernel; times since it opened, to scale where the gaps allow.</figcaption></figure>`
    : `<p class="note">No connection to draw: ${esc(c.traced ? 'none of the sample was traced whole, from open to close, on both ends' : `not traced (${c.whyNotTraced ?? 'no trace'})`)}.</p>`;
  const histogram = c.requestsPerConnection
    ? `<figure class="histogram" data-variant="${esc(v.name)}">${histogramSvg(v.name, c.requestsPerConnection.histogram)}<figcaption>Requests per connection, the server's count: median ${formatCount(c.requestsPerConnection.median)}, p99 ${formatCount(c.requestsPerConnection.p99)}, max ${formatCount(c.requestsPerConnection.max)}.</figcaption></figure>`
    : '';
  return `<div class="ledger-variant" data-variant="${esc(v.name)}"><h5 class="${v.role}">${esc(v.name)}</h5><p>${esc((ledgerSentence(v) ?? '').replace(/^./, (first) => first.toUpperCase()))}</p>${sequence}${histogram}</div>`;
}

/** The run's connections, variant by variant; empty for results without a ledger (before version 3). */
export function ledgerSection(result: Result): string {
  const withLedger = result.variants.filter((v) => v.summary.connections);
  if (withLedger.length === 0) return '';
  return `<section class="ledger"><h4>Connections${result.params.repeat > 1 ? ' (the first trial)' : ''}</h4>${withLedger.map(variantLedger).join('')}</section>`;
}

export const LEDGER_STYLE = `
  .ledger h5 { font-size: 1.05rem; margin: 1rem 0 .2rem; } .ledger h5.misconfigured { color: var(--bad); } .ledger h5.fix { color: var(--fix); }
  .ledger figure { margin: .3rem 0 1rem; } .ledger figcaption { color: var(--muted); font-size: .9rem; }
  .ledger svg { width: 100%; max-width: 1200px; height: auto; font: 13px system-ui, sans-serif; }
  .ledger .lane line { stroke: #999; stroke-width: 2; } .ledger .lane text { font-weight: 700; font-size: 15px; }
  .ledger .tick circle { fill: #111; } .ledger .tick .time { fill: var(--muted); font-size: 11px; }
  .ledger .arrow line { stroke: #1565c0; stroke-width: 2; } .ledger .arrow text, .ledger .arrow path { fill: #1565c0; font-weight: 700; }
  .ledger .requests rect { fill: #e3f2fd; } .ledger .requests text { fill: #0d47a1; }
  .ledger .time-wait rect { fill: #f5a3a3; } .ledger .time-wait text { fill: var(--bad); font-weight: 700; } .ledger .time-wait .break { stroke: #fff; stroke-width: 4; }
  .ledger .bar rect { fill: #607d8b; } .ledger .axis { stroke: #999; } .ledger .axis-name { fill: var(--muted); }
`;
