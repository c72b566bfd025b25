// DNS lookups per connection, end to end: the instrumented lookup is called once per new connection,
// so once per request without keep-alive and at most once per concurrent request with it.
import { beforeAll, describe, expect, it } from 'vitest';
import { formatResultTable } from '../../harness/output/result-table.ts';
import { figureLabel } from '../../harness/result/figures.ts';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, summaryOf } from '../support/helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 10;
let result: Result;

beforeAll(async () => {
  result = await runScenarioOk('dns-per-connection', REQUESTS, CONCURRENCY);
});

describe('dns-per-connection', () => {
  it('lookups equal the connections the server accepted, for both clients', () => {
    for (const variant of ['bad', 'good']) {
      const s = summaryOf(result, variant);
      expect(s.requests.ok).toBe(REQUESTS);
      expect(s.clientCounters.dnsLookups).toBe(s.connectionsOpened);
    }
  });

  it('without keep-alive, one lookup per request; with it, at most one per concurrent request', () => {
    expect(summaryOf(result, 'bad').clientCounters.dnsLookups).toBeGreaterThanOrEqual(REQUESTS);
    expect(summaryOf(result, 'good').clientCounters.dnsLookups).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('the table shows the lookups as a client counter, per variant', () => {
    expect(formatResultTable(result)).toMatch(new RegExp(`${figureLabel('clientCounters.dnsLookups')} +│ ${REQUESTS} +│ \\d+ +│`));
  });
});
