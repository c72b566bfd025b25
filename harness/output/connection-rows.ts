// The table's rows from the connection ledger (summary.connections): who closed first and how, and
// the median requests per connection (the server's count, shown with or without root).
import type { VariantResult } from '../result/schema.ts';
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
