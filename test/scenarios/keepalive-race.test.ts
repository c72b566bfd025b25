// The keep-alive race, end to end: pauses that straddle the server's idle timeout make a client with no
// idle timeout of its own fail with ECONNRESET; a shorter client timeout or a retry on a reused socket
// does not fail.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, summaryOf } from '../support/helpers.ts';

// The scenario's own load (800 requests, 40 bursts): fewer bursts may all miss the race (its claims then say so).
let result: Result;

beforeAll(async () => {
  result = await runScenarioOk('keepalive-race', 800);
});

describe('keepalive-race', () => {
  it('the pauses sweep across the server timeout, which closes on time and sends no hint', () => {
    expect(result.claimsNotChecked).toBeUndefined();
    expect(result.params.load).toMatchObject({ pattern: 'bursts', gapSpreadMs: 15 });
    expect(result.params.server).toMatchObject({ keepAliveTimeoutMs: 100, keepAliveTimeoutBufferMs: 0, keepAliveHint: false });
  });

  it('without an idle timeout, requests on sockets the server is closing fail with ECONNRESET', () => {
    const s = summaryOf(result, 'bad');
    expect(s.requests.failed).toBeGreaterThan(0);
    expect(Object.keys(s.requests.errorsByCode)).toEqual(['ECONNRESET']);
  });

  it('an idle timeout below the server one never fails', () => {
    expect(summaryOf(result, 'idle-timeout').requests.failed).toBe(0);
  });

  it('retrying on a reused socket never fails, and did have to retry', () => {
    const s = summaryOf(result, 'retry');
    expect(s.requests.failed).toBe(0);
    expect(s.clientCounters.retries).toBeGreaterThan(0);
  });
});
