// Faults injected into a real run, through the real CLI: the server or the client killed, the client
// or the server frozen (SIGSTOP) so that requests hang. The variant hit is stopped, recorded as failed
// with its reason and what was measured until then; the next variant still runs; the run exits 3;
// every process it started has ended.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isAlive } from '../../harness/process/pids.ts';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { compareCli, descendants, namespacesMissing, scenarioCli, startScenarioCli } from '../support/helpers.ts';

const SERVER = 'servers/http-server.ts';
const CLIENT = 'harness/entries/client.ts';
const AGENT = 'harness/entries/netns-agent.sh';
/**
 * The time limit of the runs whose server is killed: well under the test's own timeout (120 s,
 * vitest.config.ts), so a run that waited for the limit instead of noticing the death would break
 * the bound below rather than the test's timeout.
 */
const TIME_LIMIT_S = 60;
const networks: [string, string[]][] = [['loopback', ['--netns', 'off']], ...((await namespacesMissing()) ? [] : [['namespaces', ['--netns', 'on']] as [string, string[]]])];

/**
 * Runs no-body-close, and once its misconfigured variant "bad" has made its first requests, sends
 * `signal` to the first of the run's processes whose command runs `entry`. Returns the CLI's end,
 * the result it wrote, and every process the run had started by then.
 */
async function runWithFault(entry: string, signal: NodeJS.Signals, extra: string[] = []) {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'twlab-fault-')), 'result.json');
  const run = startScenarioCli(['no-body-close', '--requests', '10000', '--no-story', '--out', out, ...extra]);
  await run.waitForStderr(/\n> bad[^]*\n +\d+%: [\d,]+ of/);
  const started = await descendants(run.cli.pid!);
  // The sampler's ss helper is among what must end after the fault (expectFailedVariant).
  expect(started.some((p) => p.command.includes('harness/entries/ss-helper.sh'))).toBe(true);
  const victim = started.find((p) => p.command.includes(`/${entry}`));
  if (!victim) throw new Error(`no process runs ${entry} among:\n${started.map((p) => p.command).join('\n')}\nstderr:\n${run.stderr()}`);
  process.kill(victim.pid, signal);
  const cli = await run.cli;
  const files = await readdir(path.dirname(out));
  const result = files.includes('result.json') ? (JSON.parse(await readFile(out, 'utf8')) as Result) : null;
  return { cli, result, files, started, out };
}

/** What every fault must leave: exit 3, the bad variant failed for `reason`, the fix run through, nothing running. */
async function expectFailedVariant(run: Awaited<ReturnType<typeof runWithFault>>, reason: string) {
  const { cli, result, files, started } = run;
  expect(cli.exitCode, String(cli.stderr)).toBe(3);
  expect(String(cli.stderr).trim().split('\n').at(-1)).toMatch(/^scenario: variant bad failed: .+; the result marks it failed, with what was measured until then$/);
  expect(files).toEqual(['result.json']); // whole: no temporary file beside it
  expect(resultProblems(result)).toEqual([]);
  const [bad, good] = result!.variants;
  expect(result!.status).toBe('failed');
  expect(bad).toMatchObject({ name: 'bad', status: 'failed', failure: { reason } });
  // Kept: what was measured until the fault, which is less than the whole load.
  expect(bad!.samples.length).toBeGreaterThan(0);
  expect(bad!.summary.requests.ok).toBeGreaterThan(0);
  expect(bad!.summary.requests.ok).toBeLessThan(bad!.summary.requests.total);
  // The fix ran on a fresh server after it, to its end, and its claims were checked.
  expect(good).toMatchObject({ name: 'good', status: 'complete' });
  expect(good!.summary.requests.ok).toBe(good!.summary.requests.total);
  expect(result!.claims.filter((c) => c.variant === 'good').every((c) => c.held)).toBe(true);
  expect(result!.claims.filter((c) => c.variant === 'bad').every((c) => !c.held && c.measured === null)).toBe(true);
  expect(result!.verdict).toMatch(/^no verdict: variant bad failed/);
  for (const p of started) expect(await isAlive(p.pid), p.command).toBe(false);
  return bad!;
}

describe.each(networks)('on %s', (_network, netns) => {
  test('the server killed in the middle of a variant: that variant fails at once, with its reason', async () => {
    const run = await runWithFault(SERVER, 'SIGKILL', [...netns, '--time-limit-s', String(TIME_LIMIT_S)]);
    const bad = await expectFailedVariant(run, 'server-exited');
    expect(bad.failure!.message).toBe('the server of variant "bad" was killed by SIGKILL');
    // At once: before the time limit would have stopped it.
    expect(bad.failure!.afterMs).toBeLessThan(TIME_LIMIT_S * 1000);
    // The server's own counts until it died, as it last pushed them (a dead server cannot be asked):
    // its count of resets is there (the fallback, the client host's kernel, has none), and they are
    // those of one connection per request, each served on a connection of its own, at most the
    // concurrency accepted and not served yet.
    const { requestsServed, connectionsOpened, connectionsReset } = bad.summary;
    expect(connectionsReset).not.toBeNull();
    expect(requestsServed).toBeGreaterThan(0);
    expect(connectionsOpened).toBeGreaterThanOrEqual(requestsServed);
    expect(connectionsOpened).toBeLessThanOrEqual(requestsServed + run.result!.params.load!.concurrency);
    // Figures cut short are not compared with anything.
    const compare = await compareCli([run.out, run.out]);
    expect(compare.exitCode).toBe(2);
    expect(compare.stderr.trim()).toBe(`compare: ${run.out}: its run did not complete (variant bad failed (${bad.failure!.message})); compare results of complete runs`);
  });

  test('the client killed: the variant fails, with the requests it had reported', async () => {
    const bad = await expectFailedVariant(await runWithFault(CLIENT, 'SIGKILL', [...netns]), 'client-exited');
    expect(bad.failure!.message).toBe('the client of variant "bad" was killed by SIGKILL');
    // Its latencies were never reported: absent, not made up.
    expect(bad.summary.latencyMs).toBeUndefined();
  });
});

test.skipIf(networks.length < 2)("a namespace agent killed (the process the lab reads a side's namespace through): the variant fails at once, its figures kept", async () => {
  const bad = await expectFailedVariant(await runWithFault(AGENT, 'SIGKILL', ['--netns', 'on']), 'measurement-failed');
  expect(bad.failure!.message).toMatch(/^the namespace agent of the (client|server) side \(twlab-\d+-\d+-(cli|srv)\) was killed by SIGKILL: that side's socket table could not be sampled any more$/);
  // Both sides' counters, the agent's side read by entering its namespace: the connections the
  // client opened until then, one per request (no-body-close's bad), are all there.
  expect(bad.summary.kernelBySide).toBeDefined();
  expect(bad.summary.kernel.activeOpens).toBeGreaterThanOrEqual(bad.summary.requests.ok);
});

describe('hangs are bounded by the time limit', () => {
  test('a client that hangs (SIGSTOP) is stopped at its time limit', async () => {
    const bad = await expectFailedVariant(await runWithFault(CLIENT, 'SIGSTOP', ['--netns', 'off', '--time-limit-s', '10']), 'time-limit');
    expect(bad.failure!.message).toBe('variant "bad" did not finish within its time limit of 10 s (raise it with --time-limit-s)');
  });

  test('a server that stops answering (SIGSTOP): requests hang until the time limit', async () => {
    const bad = await expectFailedVariant(await runWithFault(SERVER, 'SIGSTOP', ['--netns', 'off', '--time-limit-s', '10']), 'time-limit');
    expect(bad.failure!.afterMs).toBeGreaterThanOrEqual(10_000 - 1000); // the limit counts from the client's start
  });
});

test.skipIf(networks.length < 2)('ephemeral ports run out: the run completes, the claims say so, one line says why and what to do', async () => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'twlab-ports-')), 'result.json');
  // 50 ports for 200 requests that each take a port into TIME_WAIT; the fix needs 20.
  const cli = await scenarioCli(['no-body-close', '--netns', 'on', '--sysctl', 'net.ipv4.ip_local_port_range=40000 40049', '--requests', '200', '--quiet', '--out', out]);
  expect(cli.exitCode, cli.stderr).toBe(1);
  const result = JSON.parse(await readFile(out, 'utf8')) as Result;
  const bad = result.variants[0]!.summary.requests;
  // Each port serves one request, then sits in TIME_WAIT (no tcp_tw_reuse off loopback): exactly 50 succeed.
  expect(bad.ok).toBe(50);
  expect(bad.errorsByCode).toEqual({ EADDRNOTAVAIL: 150 });
  expect(result.variants[1]!.summary.requests.failed).toBe(0);
  expect(cli.stderr.split('\n').filter((l) => l.includes('EADDRNOTAVAIL:'))).toEqual([
    "  bad: 150 requests failed with EADDRNOTAVAIL: the client host ran out of ephemeral ports: each connection it closed first holds its port in TIME_WAIT for 60 s (on loopback, earlier runs' too: wait a minute, or run with --netns on).",
  ]);
});
