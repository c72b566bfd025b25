// The connection ledger through the real CLI: as root, every variant's connections traced from the
// kernel, who closed first and how as the scenario says, the traced counts equal to the server's and
// the kernel's; as an unprivileged user, not traced and why, the server's count per connection still there.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { tracingUnavailability } from '../../harness/observe/tracer.ts';
import type { Result, VariantResult } from '../../harness/result/schema.ts';
import { ROOT, scenarioCli } from '../support/helpers.ts';

const unavailable = await tracingUnavailability();
const skipped = unavailable ? ` (skipped: ${unavailable})` : '';
const outDir = mkdtempSync(path.join(tmpdir(), 'twlab-ledger-'));

/** The result, and what the CLI said on stderr (plain lines: no terminal). */
async function runWithText(args: string[]): Promise<{ result: Result; stderr: string }> {
  const cli = await scenarioCli([...args, '--json', '--out', path.join(outDir, `${args[0]}.json`)]);
  expect(cli.exitCode, cli.stderr).toBeLessThanOrEqual(1);
  return { result: JSON.parse(cli.stdout) as Result, stderr: cli.stderr };
}
const run = async (args: string[]) => (await runWithText(args)).result;
const variant = (result: Result, name: string) => result.variants.find((v) => v.name === name)!;
const ledger = (v: VariantResult) => v.summary.connections!;

/** Every connection traced, as many as the server accepted, and no traced count disagreeing with the kernel's. */
function tracedWhole(v: VariantResult) {
  const c = ledger(v);
  expect(c).toMatchObject({ traced: true, whyNotTraced: null, lostEvents: 0, failedConnects: 0 });
  expect(c.opened).toBe(v.summary.connectionsOpened);
  expect(v.exactCountMismatches).toEqual([]);
  return c;
}

describe.skipIf(unavailable !== null)(`as root, traced from the kernel${skipped}`, () => {
  test('no-body-close: the bad client closes every connection first with a FIN after one request, on the client TIME_WAIT; the fix reuses', async () => {
    const { result, stderr } = await runWithText(['no-body-close', '--requests', '200', '--concurrency', '5']);
    const bad = tracedWhole(variant(result, 'bad'));
    // Said after the variant, in a sentence.
    expect(stderr).toContain('bad: the client closed 200 of 200 connections first, with a FIN: 200 TIME_WAIT on the client; 1 request per connection (median).\n');
    expect(bad.closedFirstBy).toEqual({ client: bad.opened, server: 0 });
    expect(bad.resets).toEqual({ client: 0, server: 0 });
    expect(bad.timeWaitEntered).toEqual({ client: bad.opened, server: 0 });
    expect(bad.requestsPerConnection).toMatchObject({ median: 1, max: 1, histogram: { '1': 200 } });
    // The sample: whole connections, each with its connecting process and both ends.
    expect(bad.sample.length).toBeGreaterThan(0);
    expect(bad.sample.length).toBeLessThanOrEqual(200);
    expect(bad.sample[0]!.ends).toEqual(['client', 'server']);
    expect(bad.sample[0]!.transitions.filter((t) => t.side === 'client').map((t) => t.to)).toEqual(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE']);
    // Each sampled connection with the requests the server counted on it, joined by the client's address and port.
    expect(bad.sample.map((c) => c.requests)).toEqual(bad.sample.map(() => 1));
    const good = tracedWhole(variant(result, 'good'));
    expect(good.requestsPerConnection!.median).toBeGreaterThanOrEqual(10);
    // The fix's few connections are all in the sample: what they carried adds up to every request, as the histogram says.
    expect(good.sample).toHaveLength(good.opened!);
    const carried = good.sample.map((c) => c.requests!);
    expect(carried.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Object.fromEntries(Object.entries(Object.groupBy(carried, String)).map(([k, v]) => [k, v!.length]))).toEqual(good.requestsPerConnection!.histogram);
    // The scenario's claims on who closed are checked, and hold.
    const ledgerClaims = result.claims.filter((c) => c.metric.startsWith('connections.'));
    expect(ledgerClaims.map((c) => `${c.variant} ${c.metric}`)).toEqual(
      expect.arrayContaining(['bad connections.closedFirstBy.client', 'bad connections.resets.client', 'good connections.requestsPerConnection.median']),
    );
    expect(ledgerClaims.filter((c) => !c.held)).toEqual([]);
    expect(result.claimsNotChecked ?? []).toEqual([]);
  });

  test('server-closes: an idle timeout on the server, the server closes first; Connection: close, both race, each connection closed by one', async () => {
    const result = await run(['server-closes', '--requests', '60', '--concurrency', '5']);
    const idle = tracedWhole(variant(result, 'short-idle-timeout'));
    // The scenario's own bound (timeWait.serverSide.peak >= 0.8 x requests): a request may meet a connection as it closes.
    expect(idle.closedFirstBy!.server).toBeGreaterThanOrEqual(0.8 * idle.opened!);
    expect(idle.timeWaitEntered!.server).toBe(idle.closedFirstBy!.server);
    const close = tracedWhole(variant(result, 'connection-close'));
    expect(close.closedFirstBy!.client + close.closedFirstBy!.server).toBe(close.opened);
    expect(close.closedFirstBy!.server).toBeGreaterThan(0);
    // Every connection closed with a FIN leaves a TIME_WAIT on its closer; one whose FINs crossed
    // (FIN_WAIT1 -> CLOSING on both ends) leaves one on each side, so the two sides add up to at least
    // the connections not reset and at most twice the connections. Each side equals the kernel's TW (tracedWhole).
    const tw = close.timeWaitEntered!.client + close.timeWaitEntered!.server;
    expect(tw).toBeGreaterThanOrEqual(close.opened! - close.resets!.client - close.resets!.server);
    expect(tw).toBeLessThanOrEqual(2 * close.opened!);
  });

  test('an IPv6 server on ::1 is traced: as many connections as it accepted, closed first by the client', async () => {
    const result = await run(['no-body-close', '--listen', '::1', '--netns', 'off', '--requests', '40', '--concurrency', '5']);
    const bad = tracedWhole(variant(result, 'bad'));
    expect(bad.opened).toBe(40);
    expect(bad.closedFirstBy).toEqual({ client: 40, server: 0 });
    expect(bad.sample[0]!.tuple).toMatch(/^::1:\d+>::1:\d+$/);
    expect(bad.sample.map((c) => c.requests)).toEqual(bad.sample.map(() => 1));
  });

  test('abortive-close: the client resets every connection, no TIME_WAIT anywhere', async () => {
    const result = await run(['abortive-close', '--requests', '60', '--concurrency', '5']);
    const c = tracedWhole(variant(result, 'client-rst'));
    expect(c.resets).toEqual({ client: c.opened, server: 0 });
    expect(c.timeWaitEntered).toEqual({ client: 0, server: 0 });
  });
});

test.runIf(process.getuid?.() === 0 && existsSync('/usr/bin/setpriv'))('as an unprivileged user: not traced and why, requests per connection from the server', async () => {
  const nobody = mkdtempSync(path.join(tmpdir(), 'twlab-ledger-nobody-'));
  await execa('chmod', ['777', nobody]);
  const cli = await execa(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, 'harness/commands/scenario.ts', 'no-body-close', '--requests', '50', '--concurrency', '5', '--json', '--out', path.join(nobody, 'r.json')],
    { cwd: ROOT, reject: false, stdin: 'ignore' },
  );
  expect(cli.exitCode, cli.stderr).toBe(0);
  const result = JSON.parse(cli.stdout) as Result;
  const bad = variant(result, 'bad');
  expect(cli.stderr).toMatch(/^bad: 1 request per connection \(median\); who closed first was not traced \(tracing TCP state changes needs root.*\)\.$/m);
  expect(ledger(bad)).toMatchObject({ traced: false, whyNotTraced: expect.stringMatching(/needs root/), opened: null, closedFirstBy: null, sample: [] });
  expect(ledger(bad).requestsPerConnection).toMatchObject({ median: 1, histogram: { '1': 50 } });
  // Claims on traced figures are listed as not checked, with why; the server's count per connection is checked.
  const notChecked = result.claimsNotChecked ?? [];
  expect(notChecked.map((c) => c.metric).sort()).toEqual(['connections.closedFirstBy.client', 'connections.resets.client']);
  for (const c of notChecked) expect(c.text).toMatch(/^bad: .*: not checked, it needs the kernel's trace of the connections \(.*needs root/);
  expect(result.claims.filter((c) => c.metric === 'connections.requestsPerConnection.median')).toMatchObject([{ variant: 'bad', held: true }, { variant: 'good', held: true }]);
});
