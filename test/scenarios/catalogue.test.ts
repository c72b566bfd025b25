// End to end through the real CLI: a real server process, real client processes, the real `ss` and
// kernel, on loopback and in network namespaces of the lab's own (two "hosts" joined by veth). Each
// test asserts the physics a scenario claims, with bounds derived from the load.
import { describe, expect, test } from 'vitest';
import type { Result, VariantResult } from '../../harness/result/schema.ts';
import { namespacesMissing, runScenarioOk, summaryOf } from '../support/helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 20;

type Netns = 'off' | 'on';

async function run(scenario: string, netns: Netns): Promise<Result> {
  const result = await runScenarioOk(scenario, REQUESTS, CONCURRENCY, ['--netns', netns]);
  expectTopology(result, netns);
  return result;
}

function expectTopology(result: Result, netns: Netns) {
  expect(result.params.topology.mode).toBe(netns === 'on' ? 'namespaces' : 'loopback');
  expect(result.env.networkNamespace).toBe(netns === 'on');
  if (netns === 'off') return;
  expect(result.params.server.host).toBe('198.18.0.1');
  for (const v of result.variants) {
    // Each namespace holds nothing but its side of the variant: its counters are exact.
    const { client, server } = v.summary.kernelBySide!;
    expect(client.activeOpens, v.name).toBe(v.summary.connectionsOpened);
    expect(server.passiveOpens, v.name).toBe(v.summary.connectionsOpened);
    expect(client.passiveOpens + server.activeOpens, v.name).toBe(0);
    expect(v.summary.kernel.activeOpens, v.name).toBe(client.activeOpens);
    expect(v.samples.every((sample) => sample.namespaces?.client && sample.namespaces.server), v.name).toBe(true);
    expect(v.summary.namespacePeaks?.client?.tw, v.name).toBeGreaterThanOrEqual(v.summary.timeWait.clientSide.peak);
  }
}

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

const noNamespaces = await namespacesMissing();

describe.each([
  ['on loopback', 'off'],
  ['in network namespaces', 'on'],
] as const)('scenarios, end to end on this kernel, %s', (_, netns) => {
  if (netns === 'on' && noNamespaces) {
    test.skip(`needs network namespaces: ${noNamespaces}`);
    return;
  }
  test('no-body-close: one connection per request, the client holds the TIME_WAIT; the fix reuses', async () => {
    const result = await run('no-body-close', netns);
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
    const result = await run('keepalive-disabled', netns);
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
    const result = await run('tiny-pool', netns);
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
