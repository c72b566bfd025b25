// fetch() with an unread body, end to end: small bodies are harmless, large ones cost a connection and
// a reset each, whether or not the garbage collector ran before the client process exited.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, summaryOf } from '../support/helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 10;
let result: Result;

beforeAll(async () => {
  result = await runScenarioOk('fetch-unconsumed-body', REQUESTS, CONCURRENCY);
});

describe('fetch-unconsumed-body', () => {
  it('a large unread body: a connection per request, each ended by a client reset', () => {
    const s = summaryOf(result, 'large-unread');
    expect(s.requests.failed).toBe(0);
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(REQUESTS);
    expect(s.connectionsReset).toBeGreaterThanOrEqual(0.9 * REQUESTS);
    // The kernel counts the whole namespace (other programs add to it), so only a lower bound.
    expect(s.kernel.abortOnClose).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('a small unread body is buffered whole, so its connection is reused', () => {
    const s = summaryOf(result, 'small-unread');
    expect(s.connectionsOpened).toBeLessThanOrEqual(2 * CONCURRENCY);
    expect(s.connectionsReset).toBe(0);
  });

  it('cancelling a large body frees it at once, by a reset, so the next request needs a new connection', () => {
    const s = summaryOf(result, 'large-cancel');
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(REQUESTS);
    expect(s.connectionsReset).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('reading the body lets undici reuse its connections', () => {
    const s = summaryOf(result, 'large-read');
    expect(s.requests.ok).toBe(REQUESTS);
    expect(s.connectionsOpened).toBeLessThanOrEqual(2 * CONCURRENCY);
    expect(s.connectionsReset).toBe(0);
  });
});
