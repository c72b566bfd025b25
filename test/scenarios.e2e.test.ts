// End to end through the real CLI: a real server process, real client processes, the real `ss` and
// kernel. Each test asserts the physics a scenario claims, with bounds derived from the load.
import { describe, expect, test } from 'vitest';
import type { Result, VariantResult } from '../harness/result-schema.ts';
import { runScenarioOk, summaryOf } from './helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 20;

const run = (scenario: string) => runScenarioOk(scenario, REQUESTS, CONCURRENCY);
const variant = summaryOf;
const timeWait = (s: VariantResult['summary']) => s.timeWait.total.peak;

function expectEveryRequestServed(result: Result) {
  for (const v of result.variants) {
    expect(v.summary.requests.ok, v.name).toBe(REQUESTS);
    // The server's own count agrees with the client's.
    expect(v.summary.requestsServed, v.name).toBe(REQUESTS);
    expect(v.samples.length, v.name).toBeGreaterThan(0);
  }
}

function expectFixReusesConnections(fix: VariantResult['summary'], concurrency = CONCURRENCY) {
  expect(fix.connectionsOpened).toBeLessThanOrEqual(concurrency);
  expect(timeWait(fix)).toBeLessThanOrEqual(concurrency);
}

describe('scenarios, end to end on this kernel', () => {
  test('no-body-close: one connection per request, the client holds the TIME_WAIT; the fix reuses', async () => {
    const result = await run('no-body-close');
    expectEveryRequestServed(result);
    const bad = variant(result, 'bad');
    expect(bad.connectionsOpened).toBeGreaterThanOrEqual(0.9 * REQUESTS);
    // The client destroys the socket, so it closes first: TIME_WAIT on the client side.
    expect(bad.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
    expect(bad.kernel.activeOpens).toBeGreaterThanOrEqual(bad.connectionsOpened);
    expectFixReusesConnections(variant(result, 'good'));
    expect(result.claims.every((c) => c.held)).toBe(true);
    expect(result.params.load).toMatchObject({ requests: REQUESTS, concurrency: CONCURRENCY });
    expect(result.env.node).toMatch(/^v2[4-9]\./);
  });

  test('keepalive-disabled: a connection per request, TIME_WAIT on whichever side closed first', async () => {
    const result = await run('keepalive-disabled');
    expectEveryRequestServed(result);
    for (const name of ['bad', 'default-agent']) {
      const bad = variant(result, name);
      expect(bad.connectionsOpened, name).toBeGreaterThanOrEqual(0.9 * REQUESTS);
      // Each connection leaves a TIME_WAIT socket on the side that closed first (the close race);
      // when both FINs cross (simultaneous close, RFC 793 CLOSING) both ends hold one.
      expect(timeWait(bad), name).toBeGreaterThanOrEqual(0.9 * REQUESTS);
      expect(bad.timeWait.clientSide.peak + bad.timeWait.serverSide.peak, name).toBeLessThanOrEqual(2 * bad.connectionsOpened);
    }
    expectFixReusesConnections(variant(result, 'good'));
  });

  test('tiny-pool: each burst reopens all but 2 connections; the fixes stay within their pool', async () => {
    const result = await run('tiny-pool');
    expectEveryRequestServed(result);
    const bursts = REQUESTS / CONCURRENCY;
    const bad = variant(result, 'bad');
    // The first burst opens CONCURRENCY connections, each later one all but the 2 kept idle.
    expect(bad.connectionsOpened).toBeGreaterThanOrEqual(0.9 * (CONCURRENCY + (bursts - 1) * (CONCURRENCY - 2)));
    expect(bad.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * (bursts - 1) * (CONCURRENCY - 2));
    expectFixReusesConnections(variant(result, 'good'));
    expect(variant(result, 'bounded').connectionsOpened).toBeLessThanOrEqual(10);
  });
});
