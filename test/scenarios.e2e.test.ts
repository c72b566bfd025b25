// End to end through the real CLI: a real server process, real client processes, the real `ss` and
// kernel. Each test asserts the physics a scenario claims, with bounds derived from the load.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { resultProblems, type Result, type VariantResult } from '../harness/result-schema.ts';
import { scenarioCli } from './helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 20;
const outDir = mkdtempSync(path.join(tmpdir(), 'twlab-e2e-'));

async function run(scenario: string): Promise<Result> {
  const out = path.join(outDir, `${scenario}.json`);
  const cli = await scenarioCli([scenario, '--requests', String(REQUESTS), '--concurrency', String(CONCURRENCY), '--json', '--out', out]);
  expect(cli.stderr).toContain('Verdict:');
  expect(cli.exitCode, cli.stderr).toBe(0);
  const printed = JSON.parse(cli.stdout) as Result;
  // The file on disk and stdout are the same result, and it honours the contract.
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(printed);
  expect(resultProblems(printed)).toEqual([]);
  return printed;
}

const variant = (result: Result, name: string): VariantResult['summary'] => {
  const found = result.variants.find((v) => v.name === name);
  if (!found) throw new Error(`no variant ${name}`);
  return found.summary;
};
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
      // Each connection leaves one TIME_WAIT socket, on one side or the other (the close race).
      expect(timeWait(bad), name).toBeGreaterThanOrEqual(0.9 * REQUESTS);
      expect(bad.timeWait.clientSide.peak + bad.timeWait.serverSide.peak, name).toBeLessThanOrEqual(bad.connectionsOpened);
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
