// A server that ends keep-alive, end to end: the TIME_WAIT lands on the side that closes first, and a
// server-side TIME_WAIT holds none of the client's ports.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, summaryOf } from '../support/helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 20;
let result: Result;

beforeAll(async () => {
  result = await runScenarioOk('server-closes', REQUESTS, CONCURRENCY);
});

describe('server-closes', () => {
  it('Connection: close costs a connection per request, and one TIME_WAIT each on one side or the other', () => {
    const s = summaryOf(result, 'connection-close');
    expect(s.requests.failed).toBe(0);
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(REQUESTS);
    expect(s.timeWait.total.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('a server idle timeout shorter than the pauses puts (nearly) every TIME_WAIT on the server', () => {
    const s = summaryOf(result, 'short-idle-timeout');
    expect(s.connectionsPerRequest).toBeGreaterThanOrEqual(0.9);
    expect(s.timeWait.serverSide.peak).toBeGreaterThanOrEqual(0.8 * REQUESTS);
    expect(s.timeWait.clientSide.peak).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('a server announcing Keep-Alive: timeout=1 makes the Node client close first itself', () => {
    const s = summaryOf(result, 'hinted-timeout');
    expect(s.connectionsPerRequest).toBeGreaterThanOrEqual(0.9);
    expect(s.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('a server that keeps connections alive longer than the pauses gets them reused', () => {
    const s = summaryOf(result, 'good');
    expect(s.connectionsOpened).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('the result records each variant\'s own server settings', () => {
    const server = (name: string) => result.variants.find((v) => v.name === name)?.server;
    expect(server('connection-close')).toMatchObject({ afterResponse: 'close', keepAliveTimeoutMs: 5000 });
    expect(server('hinted-timeout')).toMatchObject({ keepAliveTimeoutMs: 1500 });
  });
});
