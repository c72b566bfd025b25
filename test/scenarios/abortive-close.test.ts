// Abortive close, end to end: RST instead of FIN leaves no TIME_WAIT, but the peer sees a reset and
// data still in flight is lost.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, summaryOf } from '../support/helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 10;
let result: Result;

beforeAll(async () => {
  result = await runScenarioOk('abortive-close', REQUESTS, CONCURRENCY);
});

describe('abortive-close', () => {
  it('a graceful client close leaves a client-side TIME_WAIT per connection, and no reset', () => {
    const s = summaryOf(result, 'client-fin');
    expect(s.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
    expect(s.connectionsReset).toBe(0);
  });

  it('a client reset leaves no TIME_WAIT, and the server sees a reset per connection', () => {
    const s = summaryOf(result, 'client-rst');
    expect(s.requests.failed).toBe(0);
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(REQUESTS);
    expect(s.timeWait.total.peak).toBe(0);
    expect(s.connectionsReset).toBeGreaterThanOrEqual(0.9 * REQUESTS);
    expect(s.kernel.outRsts).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('a server reset right after a large response loses what was in flight: the requests fail', () => {
    const s = summaryOf(result, 'server-rst');
    expect(s.requests.failed).toBeGreaterThanOrEqual(0.5 * REQUESTS);
    expect(Object.keys(s.requests.errorsByCode)).toEqual(['ECONNRESET']);
    expect(s.timeWait.total.peak).toBe(0);
  });

  it('the same response closed gracefully arrives whole, with a TIME_WAIT per connection', () => {
    const s = summaryOf(result, 'server-fin');
    expect(s.requests.failed).toBe(0);
    expect(s.timeWait.total.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('keep-alive needs no close at all', () => {
    const s = summaryOf(result, 'keep-alive');
    expect(s.connectionsOpened).toBeLessThanOrEqual(CONCURRENCY);
    expect(s.requests.failed).toBe(0);
  });
});
