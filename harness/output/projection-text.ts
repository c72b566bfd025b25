// The capacity projection in words: one sentence per variant, shared by the terminal and the report.
import { projectResult, TIME_WAIT_S, type PortRange, type Projection } from '../result/projection.ts';
import type { Result, VariantSummary } from '../result/schema.ts';
import { wrap, wrapIndented } from './terminal-text.ts';
import { formatCount } from '../shared/numbers.ts';

const n = (x: number) => formatCount(Math.round(x));
const percent = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 2 : share < 0.1 ? 1 : 0)}%`;
const seconds = (s: number) => (s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);

export function portRangeText(range: PortRange | null): string {
  return range ? `${n(range.size)} ports (${range.low}-${range.high})` : 'an unknown number of ports';
}

/** `1,245 new connections/s, 100% closed by the client → ...`, without the variant's name. */
export function projectionSentence(p: Projection): string {
  if (!p.projected) return p.reason;
  const server = p.serverTimeWaitHeld > 0 ? `; the server would hold ~${n(p.serverTimeWaitHeld)} TIME_WAIT sockets (no ephemeral ports)` : '';
  if (p.newConnectionsPerSec === 0) {
    return `no new connections once the pool is open → the client host holds ~${n(p.clientPortsHeld)} ports` +
      (p.shareOfRange !== null ? `, ${percent(p.shareOfRange)} of its range` : '');
  }
  const rate = `${n(p.newConnectionsPerSec)} new connections/s`;
  if (p.clientClosedShare === 0) {
    // No TIME_WAIT on either side says nothing of who closed first: connections that end in resets
    // keep none (a TLS client's close with the server's close_notify unread), and a --target's
    // server side is not sampled.
    const why = p.serverTimeWaitHeld > 0 ? 'closed by the server first' : 'no TIME_WAIT on the client side';
    return `${rate}, ${why} → the client holds only its ~${n(p.clientPortsHeld)} open ports${server}`;
  }
  const held = `${rate}, ${percent(p.clientClosedShare)} closed by the client first → the client host would hold ~${n(p.clientPortsHeld)} ports`;
  if (p.exhaustedAfterS !== null && p.portRange) {
    return `${held}, more than its ${n(p.portRange.size)}: it runs out of ephemeral ports after ${seconds(p.exhaustedAfterS)} (EADDRNOTAVAIL)${server}`;
  }
  const limit = p.exhaustingRatePerSec !== null ? `; it would run out above ${n(p.exhaustingRatePerSec)} new connections/s` : '';
  return `${held}${p.shareOfRange !== null ? `, ${percent(p.shareOfRange)} of its range` : ''}${limit}${server}`;
}

const signed = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)}%`;

/**
 * What the same run measured of what the projection predicts, side by side with the difference:
 * `measured: TIME_WAIT plateau 18,310 against 18,000 projected (+1.7%)`; null when it measured neither.
 */
export function versusSentence(versus: VariantSummary['projection'], lifetimeMs?: number | null): string | null {
  if (!versus) return null;
  const parts = [
    versus.timeWaitPlateau &&
      `TIME_WAIT plateau ${n(versus.timeWaitPlateau.measured)} against ${n(versus.timeWaitPlateau.projected)} projected (${signed(versus.timeWaitPlateau.ratio)}` +
        `${typeof lifetimeMs === 'number' ? `: here TIME_WAIT lasts ${(lifetimeMs / 1000).toFixed(1)} s, not ${TIME_WAIT_S}` : ''})`,
    versus.exhaustedAfterMs &&
      `the first EADDRNOTAVAIL after ${seconds(versus.exhaustedAfterMs.measured / 1000)} against ${seconds(versus.exhaustedAfterMs.projected / 1000)} projected (${signed(versus.exhaustedAfterMs.ratio)})`,
  ].filter(Boolean);
  return parts.length > 0 ? `measured: ${parts.join('; ')}` : null;
}

export function projectionHeading(range: PortRange | null): string {
  return `Capacity projection at the measured rates (TIME_WAIT lasts ${TIME_WAIT_S} s; the client host's port range: ${portRangeText(range)}):`;
}

/** A result's projection in words, for the terminal and the report alike: the heading, and per variant its sentence and what was measured of it. */
export function projectionText(result: Result) {
  const { portRange, variants } = projectResult(result);
  return {
    heading: projectionHeading(portRange),
    rows: variants.map((v) => ({ variant: v.variant, role: v.role, sentence: projectionSentence(v.projection), measured: versusSentence(v.measured, v.lifetimeMs) })),
  };
}

/** The heading and a sentence per variant, wrapped to `columns` under the variant's name. */
export function formatProjection(result: Result, columns = 100): string {
  const { heading, rows } = projectionText(result);
  const width = Math.max(...rows.map((r) => r.variant.length));
  const indent = ' '.repeat(width + 4);
  return [
    wrap(heading, columns).join('\n'),
    ...rows.flatMap((r) => [
      `  ${r.variant.padEnd(width)}  ${wrapIndented(r.sentence, columns - indent.length, indent)}`,
      ...(r.measured ? [`${indent}${wrapIndented(r.measured, columns - indent.length, indent)}`] : []),
    ]),
  ].join('\n');
}
