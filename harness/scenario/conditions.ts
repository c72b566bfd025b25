// Conditions a scenario's claim may be checked under (its `when`), shared by scenarios: a run that
// does not meet one lists the claim as not checked, with these words.
import type { ClaimCondition } from './contract.ts';

/** At least `n` requests for each connection of the concurrency (`n` × concurrency requests): bursts, or requests a connection carries. */
export function requestsPerConcurrencyAtLeast(n: number, text: string): ClaimCondition {
  return { text, value: ({ load }) => load !== null && load.requests / load.concurrency >= n };
}

/**
 * Enough requests for each of the concurrency's connections to carry `n` on average. With fewer,
 * the median of requests per connection is lumpy: a connection that opens late carries one or two
 * (measured: no-body-close's fix at 50 requests over 20 connections, a median of 1 in one run of four).
 */
export const requestsPerConnectionAtLeast = (n: number): ClaimCondition =>
  requestsPerConcurrencyAtLeast(n, `${n} requests or more per connection of the concurrency (${n} × concurrency requests)`);

/** At least `n` requests in each variant's load: a figure that a fixed cost would otherwise swamp (`text` says which). */
export function requestsAtLeast(n: number, text: string): ClaimCondition {
  return { text, value: ({ load }) => load !== null && load.requests >= n };
}
