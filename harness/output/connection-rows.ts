// The table's rows from the connection ledger (summary.connections): who closed first and how, and
// the median requests per connection (the server's count, shown with or without root); the sentence
// said after each variant; and the ledger's cross-checks that disagreed, one line each, with one
// trial or several.
import { isCrossCheck } from '../result/connections.ts';
import type { Result, VariantResult } from '../result/schema.ts';
import { formatCount } from '../shared/numbers.ts';

type Row = [label: string, cell: (v: VariantResult) => string];

/** `client 300 of 300 (FIN)`, both sides when both closed some, `not traced` without the tracer. */
function closedFirst(v: VariantResult): string {
  const c = v.summary.connections;
  if (!c) return '-';
  if (!c.traced || !c.closedFirstBy || c.opened === null) return 'not traced';
  const how = (side: 'client' | 'server') => (c.resets![side] === c.closedFirstBy![side] ? 'reset' : c.resets![side] === 0 ? 'FIN' : `${formatCount(c.resets![side])} reset`);
  const sides = (['client', 'server'] as const).filter((side) => c.closedFirstBy![side] > 0);
  if (sides.length === 0) return `none of ${formatCount(c.opened)}`;
  return sides.map((side) => `${side} ${formatCount(c.closedFirstBy![side])} of ${formatCount(c.opened!)} (${how(side)})`).join(', ');
}

export const CONNECTION_ROWS: Row[] = [
  ['closed first by', closedFirst],
  ['requests per connection (median)', (v) => (v.summary.connections?.requestsPerConnection ? formatCount(v.summary.connections.requestsPerConnection.median) : '-')],
];

/** `bad: trial 1: connections.opened = client ActiveOpens: traced 300, counted 299`. */
export function formatCrossChecks(result: Result): string[] {
  return result.variants.flatMap((v) =>
    v.exactCountMismatches
      .filter((m) => isCrossCheck(m.figure))
      .map((m) => `  ${v.name}: ${m.figure}: the traced count disagrees: traced ${formatCount(m.values[0]!)}, counted ${formatCount(m.values[1]!)} (docs/ledger.md)`),
  );
}

const SIDES = ['client', 'server'] as const;
const requestsWord = (n: number) => `${formatCount(n)} request${n === 1 ? '' : 's'}`;

/**
 * What a variant's connections did, in a sentence: `the client closed 2,000 of 2,000 connections
 * first, with a FIN: 2,000 TIME_WAIT on the client; 1 request per connection (median).` Without the
 * trace, the server's count alone and why; null without a ledger (results before version 3).
 */
export function ledgerSentence(v: VariantResult): string | null {
  const c = v.summary.connections;
  if (!c) return null;
  const perConnection = c.requestsPerConnection ? `${requestsWord(c.requestsPerConnection.median)} per connection (median)` : null;
  if (!c.traced || !c.closedFirstBy || !c.resets || !c.timeWaitEntered || c.opened === null) {
    return `${[perConnection, `who closed first was not traced (${c.whyNotTraced ?? 'no trace'})`].filter(Boolean).join('; ')}.`;
  }
  const closers = SIDES.filter((side) => c.closedFirstBy![side] > 0).sort((a, b) => c.closedFirstBy![b] - c.closedFirstBy![a]);
  const closed = closers.map((side, i) => `the ${side}${i === 0 ? ' closed' : ''} ${formatCount(c.closedFirstBy![side])}`).join(' and ');
  const resets = c.resets.client + c.resets.server;
  const firsts = c.closedFirstBy.client + c.closedFirstBy.server;
  const how = resets === 0 ? 'with a FIN' : resets === firsts ? 'with a reset' : `${formatCount(resets)} with a reset, the others with a FIN`;
  const waiting = SIDES.filter((side) => c.timeWaitEntered![side] > 0).sort((a, b) => c.timeWaitEntered![b] - c.timeWaitEntered![a]);
  const timeWait = waiting.length === 0 ? 'no TIME_WAIT' : waiting.map((side, i) => `${formatCount(c.timeWaitEntered![side])}${i === 0 ? ' TIME_WAIT' : ''} on the ${side}`).join(', ');
  const who = closers.length === 0 ? `none of ${formatCount(c.opened)} connections was closed while traced` : `${closed} of ${formatCount(c.opened)} connections first, ${how}: ${timeWait}`;
  return `${[who, perConnection].filter(Boolean).join('; ')}.`;
}
