// The long scenarios of the suite, each run once at its whole load, in network namespaces.
// steady-state (2.5 minutes) starts first, on a pseudo-terminal so that the same run shows its
// live view; the quick checks run while it climbs; once its load is over and only its drain is
// sampled, port-exhaustion runs (70 s): a client host with 1,000 ports runs out of them, the fix
// does not, tcp_tw_reuse = 1 hides it, and default-range takes on Linux's default range. The last
// test waits for steady-state.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PRETEND_UNAVAILABLE_ENV } from '../../harness/stage/netns.ts';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { clientTimeWait, firstEntryMs, TIME_WAIT_TIMER_MS } from '../../harness/result/time-wait.ts';
import { finalScreen, inTerminal, namespacesMissing, scenarioCli, summaryOf, waitForOutput } from '../support/helpers.ts';

const COLUMNS = 120;
const PORTS = 1000;
const DEFAULT_PORTS = 28_232;
const hostPortRange = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
const outDir = mkdtempSync(path.join(tmpdir(), 'twlab-long-'));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Result;
const noNamespaces = await namespacesMissing();

let steady: ReturnType<typeof inTerminal>;
let exhaustion: Promise<Awaited<ReturnType<typeof scenarioCli>>>;

describe.skipIf(noNamespaces)(`the long runs, in network namespaces${noNamespaces ? ` (skipped: ${noNamespaces})` : ''}`, () => {
  let hostRangeBefore = '';
  beforeAll(() => {
    hostRangeBefore = hostPortRange();
    steady = inTerminal('harness/commands/scenario.ts', ['steady-state', '--no-story', '--out', path.join(outDir, 'steady-state.json')], {
      columns: COLUMNS,
      rows: 60,
      timeout: 280_000,
    });
    // Started once steady-state's load is over: the drain is only sampled, and leaves the machine to it.
    exhaustion = waitForOutput(steady, 'draining').then(() => scenarioCli(['port-exhaustion', '--json', '--out', path.join(outDir, 'port-exhaustion.json')], { timeout: 200_000 }));
  });
  afterAll(async () => {
    steady.kill();
    await Promise.allSettled([steady, exhaustion]);
  });

  test('a load too short for the plateau and the lifetime: those claims are not checked and say what they need; the others hold', async () => {
    const out = path.join(outDir, 'short.json');
    const cli = await scenarioCli(['steady-state', '--duration', '2', '--no-drain', '--json', '--out', out]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const result = JSON.parse(cli.stdout) as Result;
    expect(resultProblems(result)).toEqual([]);
    expect(result.params.drain).toBe(false);
    // --duration is every variant's: the fix's own shorter load too.
    expect(result.params.variantLoads?.good?.requests).toBe(result.params.load!.requests);
    expect(result.claimsNotChecked?.map((c) => c.metric).sort()).toEqual(['timeWait.drain.timerMs', 'timeWait.lifetimeMs', 'timeWait.plateau.ratio']);
    expect(cli.stderr).toMatch(/^ {2}- {7}bad: TIME_WAIT plateau ÷ expected: not checked, it needs a load of 72 s or more/m);
    expect(result.claims.every((c) => c.held)).toBe(true);
    expect(summaryOf(result, 'bad').timeWait.lifetimeMs).toBeUndefined();
  });

  test('port-exhaustion, bad: EADDRNOTAVAIL once the ports are held in TIME_WAIT; good: no error; tw-reuse: no error, ports reused', { timeout: 280_000 }, async () => {
    const cli = await exhaustion;
    expect(cli.exitCode, cli.stderr).toBe(0);
    const result = JSON.parse(cli.stdout) as Result;
    expect(resultProblems(result)).toEqual([]);
    expect(read(path.join(outDir, 'port-exhaustion.json'))).toEqual(result);
    expect(result.params.topology.mode).toBe('namespaces');
    expect(cli.stderr).toContain('bad: client namespace sysctls net.ipv4.ip_local_port_range=40000 40999, net.ipv4.tcp_tw_reuse=0');
    const [bad, good, reuse] = ['bad', 'good', 'tw-reuse'].map((name) => result.variants.find((v) => v.name === name)!);
    const requests = result.params.load!.requests;

    // The sysctls were set in the client namespace only, and recorded.
    expect(bad!.clientSysctls?.effective).toMatchObject({ ip_local_port_range: '40000 40999', tcp_tw_reuse: '0' });
    expect(reuse!.clientSysctls?.effective).toMatchObject({ ip_local_port_range: '40000 40999', tcp_tw_reuse: '1' });
    expect(hostPortRange()).toBe(hostRangeBefore);
    expect(result.env.sysctl.ip_local_port_range).toBe(hostRangeBefore.trim().replace(/\s+/g, ' '));

    // One port per connection, each held 60 s: at most PORTS requests succeed, then connect() fails.
    const b = bad!.summary;
    expect(b.requests.ok).toBeLessThanOrEqual(PORTS);
    expect(b.requests.errorsByCode).toEqual({ EADDRNOTAVAIL: requests - b.requests.ok });
    expect(b.requests.firstFailure?.code).toBe('EADDRNOTAVAIL');
    expect(b.requests.firstFailure!.request).toBeGreaterThan(b.requests.ok - 20);
    // A connect() that found no port never left the host: the kernel counted only the others.
    expect(b.kernelBySide!.client.activeOpens).toBe(b.requests.ok);
    expect(b.connectionsOpened).toBe(b.requests.ok);
    expect(b.namespacePeaks!.client!.tw).toBeGreaterThanOrEqual(0.9 * PORTS);

    const g = good!.summary;
    expect(g.requests.failed).toBe(0);
    expect(g.connectionsOpened).toBeLessThanOrEqual(result.params.load!.concurrency);

    // tcp_tw_reuse = 1: every request still opens a connection, and past the range each one takes
    // over a port still in TIME_WAIT.
    const r = reuse!.summary;
    expect(r.requests.failed).toBe(0);
    expect(r.connectionsOpened).toBe(requests);
    expect(r.kernel.timeWaitReused).toBeGreaterThanOrEqual(requests - PORTS);
    expect(b.kernel.timeWaitReused).toBe(0);
    expect(result.verdict).toMatch(/^0 failed requests instead of [\d,]+ \(the first, EADDRNOTAVAIL, at request [\d,]+ after [\d.]+ s\); /);
  });

  test("port-exhaustion at its whole load: default-range runs its 28,232 ports out when the projection from its own rate says, where it kept its rate", { timeout: 280_000 }, async () => {
    const cli = await exhaustion;
    expect(cli.exitCode, cli.stderr).toBe(0);
    const result = JSON.parse(cli.stdout) as Result;
    const variant = result.variants.find((v) => v.name === 'default-range')!;
    const s = variant.summary;
    expect(variant.clientSysctls?.effective).toMatchObject({ ip_local_port_range: '32768 60999', tcp_tw_reuse: '0' });
    // connect() that found no port never left the host: the kernel counted only the others.
    expect(s.kernelBySide!.client.activeOpens).toBe(s.requests.ok);
    if (s.rate!.achievedPerSec >= 0.95 * s.rate!.askedPerSec) {
      // It kept its rate: every port held in TIME_WAIT (or open) within the minute, then connect() fails.
      expect(s.requests.firstFailure?.code).toBe('EADDRNOTAVAIL');
      expect(s.namespacePeaks!.client!.tw + s.rate!.peakInFlight).toBeGreaterThanOrEqual(DEFAULT_PORTS);
      const { projected, measured, ratio } = s.projection!.exhaustedAfterMs!;
      expect(measured).toBe(Math.round(s.requests.firstFailure!.tMs));
      expect(ratio).toBeCloseTo(measured / projected, 3);
      expect(result.claims.find((c) => c.variant === 'default-range')).toMatchObject({ metric: 'projection.exhaustedAfterMs.ratio', held: true });
      expect(cli.stderr).toMatch(/measured: the first EADDRNOTAVAIL after [\d.]+ s against [\d.]+ s projected \([+−][\d.]+%\)/);
    } else {
      // A client too slow to keep it (docs/time.md): the claim says what it needs, and no port
      // served two connections within its 60 s of TIME_WAIT.
      expect(result.claimsNotChecked).toEqual([expect.objectContaining({ variant: 'default-range', metric: 'projection.exhaustedAfterMs.ratio' })]);
      expect(s.connectionsOpened <= DEFAULT_PORTS || s.durationMs > TIME_WAIT_TIMER_MS).toBe(true);
    }
  });

  test('steady-state: TIME_WAIT climbs for 60 s, holds at rate × lifetime, drains in steps of the timer wheel; it lives 60 s', { timeout: 280_000 }, async () => {
    const run = await steady;
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const result = read(path.join(outDir, 'steady-state.json'));
    expect(resultProblems(result)).toEqual([]);
    expect(result.claims.every((c) => c.held)).toBe(true);
    expect(result.claimsNotChecked).toBeUndefined();
    const bad = result.variants.find((v) => v.name === 'bad')!;
    const { lifetimeMs, drain, plateau } = bad.summary.timeWait;

    // Nothing leaves TIME_WAIT before its 60 s timer: the count only climbs until then.
    const first = firstEntryMs(bad.samples)!;
    const climbing = bad.samples.filter((s) => s.tMs < first + TIME_WAIT_TIMER_MS - drain!.accuracyMs);
    for (let i = 1; i < climbing.length; i++) expect(clientTimeWait(climbing[i]!)).toBeGreaterThanOrEqual(clientTimeWait(climbing[i - 1]!));
    // The kernel's count of sockets that entered TIME_WAIT is the server's count of connections:
    // each one closed by the client, in a namespace of its own.
    expect(drain!.entered).toBe(bad.summary.connectionsOpened);
    // Each socket lives its 60 s timer and up to one step of the wheel; the drain shows the step.
    expect(lifetimeMs).toBeGreaterThanOrEqual(TIME_WAIT_TIMER_MS - drain!.accuracyMs);
    expect(lifetimeMs).toBeLessThanOrEqual(TIME_WAIT_TIMER_MS + drain!.stepMs! + drain!.accuracyMs);
    expect(Math.abs(drain!.timerMs! - TIME_WAIT_TIMER_MS)).toBeLessThanOrEqual(2000);
    expect(drain!.zeroAfterMs).toBeGreaterThanOrEqual(TIME_WAIT_TIMER_MS - drain!.accuracyMs);
    expect(clientTimeWait(bad.samples.at(-1)!)).toBe(0);
    // Little's law: the plateau is new connections a second × the lifetime; the projection said the same with 60 s.
    expect(plateau!.ratio).toBeGreaterThanOrEqual(0.95);
    expect(plateau!.ratio).toBeLessThanOrEqual(1.05);
    expect(bad.summary.projection!.timeWaitPlateau!.measured).toBe(plateau!.mean);
    // The fix, for its own few seconds, stays within its pool.
    const good = summaryOf(result, 'good');
    expect(good.connectionsOpened).toBeLessThanOrEqual(result.params.variantLoads!.good!.concurrency);
    expect(good.requests.ok).toBe(result.params.variantLoads!.good!.requests - (good.rate?.dropped ?? 0));

    // The live view drew the whole run within the terminal: the chart with the plateau a
    // connection per request would hold, and each finished frame with its drain.
    const screen = finalScreen(run.stdout);
    expect(screen.find((l) => l.startsWith('■ bad (misconfigured), done: '))).toMatch(/TIME_WAIT gone [\d.]+ s later/);
    expect(screen.some((l) => l.endsWith('┈ 18,000 = 300/s × 60 s'))).toBe(true);
    for (const line of screen.filter((l) => /^(▶|■|  requests|  rate|  TIME_WAIT| {15})/.test(l))) expect(line.length).toBeLessThan(COLUMNS);
  });
});

test('steady-state without namespaces: refused in one line, nothing run', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'twlab-refused-'));
  const cli = await scenarioCli(['steady-state', '--out', path.join(out, 'r.json')], { env: { [PRETEND_UNAVAILABLE_ENV]: '1' } });
  expect(cli.exitCode).toBe(2);
  expect(cli.stderr.trim().split('\n')).toHaveLength(1);
  expect(cli.stderr).toMatch(/^scenario: scenario steady-state sets sysctls in a client namespace of its own/);
  expect(readdirSync(out)).toEqual([]);
});
