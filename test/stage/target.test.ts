// --target: driving a server the lab did not start (here: one started separately on loopback, with
// its control endpoint), as a client on another host would.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Result } from '../../harness/result/schema.ts';
import { SERVER_DEFAULTS } from '../../harness/shapes/server-settings.ts';
import { scenarioCli, standaloneServer } from '../support/helpers.ts';

const REQUESTS = 300;
const outDir = mkdtempSync(path.join(tmpdir(), 'twlab-target-'));
const { child: server, listening } = await standaloneServer(['--control-port', '0']);
const target = `http://127.0.0.1:${listening.port}/`;
afterAll(async () => {
  server.kill();
  await server;
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

describe('--target with the control endpoint', () => {
  let result: Result;
  let stderr: string;

  beforeAll(async () => {
    const cli = await scenarioCli([
      'no-body-close', '--requests', String(REQUESTS), '--target', target, '--control-port', String(listening.controlPort),
      '--json', '--out', path.join(outDir, 'control.json'),
    ]);
    stderr = cli.stderr;
    expect(cli.exitCode, cli.stderr).toBe(0);
    result = JSON.parse(cli.stdout) as Result;
  });

  test('records the mode, the target, its control endpoint and every setting it reported', () => {
    expect(stderr).toContain(`driving ${target}, a server the lab did not start`);
    // A server started with no setting runs with the defaults, as the scenario does: nothing differs.
    expect(stderr).not.toContain("the target's settings differ");
    expect(result.params.topology).toMatchObject({ mode: 'target', target, control: `http://127.0.0.1:${listening.controlPort}/` });
    expect(result.params.topology!.targetServer).toEqual(SERVER_DEFAULTS);
    expect(result.variants.map((v) => v.serverPort)).toEqual([listening.port, listening.port]);
  });

  test("the server's own counts, over each variant only", () => {
    const [bad, good] = result.variants.map((v) => v.summary);
    expect(bad!.connectionsOpened).toBe(REQUESTS);
    expect(bad!.requestsServed).toBe(REQUESTS);
    expect(good!.requestsServed).toBe(REQUESTS);
    expect(good!.connectionsOpened).toBeLessThanOrEqual(result.params.load!.concurrency);
  });

  test("the client side, sampled here, does not count the earlier variant's TIME_WAIT", () => {
    const [bad, good] = result.variants.map((v) => v.summary);
    expect(bad!.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
    // bad's TIME_WAIT sockets are still there (60 s) while good runs, on the same server port.
    expect(good!.timeWait.clientSide.peak).toBeLessThanOrEqual(result.params.load!.concurrency);
    expect(result.claims.every((c) => c.held)).toBe(true);
  });

  test('the server it did not start is still running', () => {
    expect(() => process.kill(server.pid!, 0)).not.toThrow();
  });
});

test('--target without a control endpoint: connections come from the client host\'s kernel', async () => {
  const cli = await scenarioCli(['no-body-close', '--requests', '100', '--target', target, '--json', '--out', path.join(outDir, 'bare.json')]);
  // Other programs' connections count too, so a claim may fail (exit 1); the run itself completes.
  expect([0, 1], cli.stderr).toContain(cli.exitCode);
  expect(cli.stderr).toContain("no control endpoint, so connections are counted by this host's kernel (ActiveOpens)");
  const result = JSON.parse(cli.stdout) as Result;
  expect(result.params.topology).toMatchObject({ mode: 'target', control: null, targetServer: null });
  // ActiveOpens counts every program of this host: at least the client's own connections.
  expect(result.variants[0]!.summary.connectionsOpened).toBeGreaterThanOrEqual(100);
});

test("a target whose settings differ from the scenario's: the run names the difference, and measures the target's physics", async () => {
  // afterResponse was not among the settings the control endpoint reported before every one was.
  const closing = await standaloneServer(['--control-port', '0', '--after-response', 'close']);
  try {
    const requests = 100;
    const cli = await scenarioCli([
      'no-body-close', '--requests', String(requests), '--target', `http://127.0.0.1:${closing.listening.port}/`,
      '--control-port', String(closing.listening.controlPort), '--json', '--out', path.join(outDir, 'closing.json'),
    ]);
    expect(cli.stderr).toContain("note: the target's settings differ from the scenario's (afterResponse close instead of keep-alive); the claims assume the scenario's");
    const result = JSON.parse(cli.stdout) as Result;
    expect(result.params.topology!.targetServer).toEqual({ ...SERVER_DEFAULTS, afterResponse: 'close' });
    // A server that closes after each response leaves the fix nothing to reuse: one connection per
    // request, so the claims made for a keep-alive server fail (exit 1).
    const good = result.variants.find((v) => v.name === 'good')!.summary;
    expect(good.connectionsOpened).toBe(requests);
    expect(cli.exitCode, cli.stderr).toBe(1);
  } finally {
    closing.child.kill();
    await closing.child;
  }
});

describe('bad --target input: one line, nothing run', () => {
  test.each([
    [['no-body-close', '--target', 'ftp://127.0.0.1:21/'], 2, /--target <url>' argument 'ftp:\/\/127.0.0.1:21\/' is invalid\. expected an http URL/],
    [['no-body-close', '--control-port', '9090'], 2, /--control-port names the control endpoint of a --target server; use it with --target/],
    [['no-body-close', '--target', 'http://127.0.0.1:1/', '--netns', 'on'], 2, /--target drives a server the lab did not start/],
    [['port-exhaustion', '--target', 'http://127.0.0.1:1/'], 2, /port-exhaustion sets sysctls in a client namespace of its own .* with --target/],
  ])('%j exits %i', async (args, code, message) => {
    const cli = await scenarioCli(args);
    expect(cli.exitCode).toBe(code);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(message);
  });

  test('a control endpoint that does not answer: exit 3', async () => {
    const cli = await scenarioCli(['no-body-close', '--target', target, '--control-port', String(await closedPort())]);
    expect(cli.exitCode).toBe(3);
    expect(cli.stderr.trim()).toMatch(/^scenario: --control-port: the control endpoint http:\/\/127\.0\.0\.1:\d+\/ did not answer: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});

/** Why this host cannot take an IPv6 target on loopback (no ::1), or null when it can. */
const noIpv6 = Object.values(os.networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === '::1')) ? null : 'this host has no ::1 (IPv6 off)';

test.skipIf(noIpv6)(`an IPv6 target, http://[::1]:PORT/: driven and sampled like any other${noIpv6 ? ` (skipped: ${noIpv6})` : ''}`, async () => {
  const v6 = await standaloneServer(['--host', '::1', '--control-port', '0', '--control-host', '::1']);
  try {
    const requests = 100;
    const url = `http://[::1]:${v6.listening.port}/`;
    const cli = await scenarioCli(['no-body-close', '--requests', String(requests), '--target', url, '--control-port', String(v6.listening.controlPort), '--json', '--out', path.join(outDir, 'v6.json')]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const result = JSON.parse(cli.stdout) as Result;
    expect(result.params.topology).toMatchObject({ mode: 'target', target: url, serverAddress: '::1', control: `http://[::1]:${v6.listening.controlPort}/` });
    const bad = result.variants.find((v) => v.name === 'bad')!.summary;
    expect(bad.connectionsOpened).toBe(requests);
    // The client's sockets to [::1] are counted: ss filters on the address in its own form, [::1].
    expect(bad.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * requests);
  } finally {
    v6.child.kill();
    await v6.child;
  }
});
