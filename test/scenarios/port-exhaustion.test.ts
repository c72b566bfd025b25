// port-exhaustion end to end, in the lab's own namespaces: a client host with 1,000 ports and
// tcp_tw_reuse = 0 runs out of them; the fix does not; tcp_tw_reuse = 1 hides it by reusing ports.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PRETEND_UNAVAILABLE_ENV } from '../../harness/run/netns.ts';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { namespacesMissing, scenarioCli } from '../support/helpers.ts';

const PORTS = 1000;
const REQUESTS = 1500;
const outDir = mkdtempSync(path.join(tmpdir(), 'twlab-exhaustion-'));
const hostPortRange = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');

const noNamespaces = await namespacesMissing();

describe.skipIf(noNamespaces)(`port-exhaustion in network namespaces${noNamespaces ? ` (skipped: ${noNamespaces})` : ''}`, () => {
  test('bad: EADDRNOTAVAIL once the ports are held in TIME_WAIT; good: no error; tw-reuse: no error, ports reused', async () => {
    const hostRangeBefore = hostPortRange();
    const out = path.join(outDir, 'run.json');
    const cli = await scenarioCli(['port-exhaustion', '--requests', String(REQUESTS), '--json', '--out', out]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const result = JSON.parse(cli.stdout) as Result;
    expect(resultProblems(result)).toEqual([]);
    expect(result.params.topology.mode).toBe('namespaces');
    expect(cli.stderr).toContain('bad: client namespace sysctls net.ipv4.ip_local_port_range=40000 40999, net.ipv4.tcp_tw_reuse=0');
    const [bad, good, reuse] = ['bad', 'good', 'tw-reuse'].map((name) => result.variants.find((v) => v.name === name)!);

    // The sysctls were set in the client namespace only, and recorded.
    expect(bad!.clientSysctls?.effective).toMatchObject({ ip_local_port_range: '40000 40999', tcp_tw_reuse: '0' });
    expect(reuse!.clientSysctls?.effective).toMatchObject({ ip_local_port_range: '40000 40999', tcp_tw_reuse: '1' });
    expect(hostPortRange()).toBe(hostRangeBefore);
    expect(result.env.sysctl.ip_local_port_range).toBe(hostRangeBefore.trim().replace(/\s+/g, ' '));

    // One port per connection, each held 60 s: at most PORTS requests succeed, then connect() fails.
    const b = bad!.summary;
    expect(b.requests.ok).toBeLessThanOrEqual(PORTS);
    expect(b.requests.errorsByCode).toEqual({ EADDRNOTAVAIL: REQUESTS - b.requests.ok });
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
    expect(r.connectionsOpened).toBe(REQUESTS);
    expect(r.kernel.timeWaitReused).toBeGreaterThanOrEqual(REQUESTS - PORTS);
    expect(b.kernel.timeWaitReused).toBe(0);
    expect(result.claims.every((c) => c.held)).toBe(true);
    expect(result.verdict).toMatch(/^0 failed requests instead of [\d,]+ \(the first, EADDRNOTAVAIL, at request [\d,]+ after [\d.]+ s\); /);
  });
});

describe('port-exhaustion without namespaces: refused in one line, nothing run', () => {
  test.each([
    [['--netns', 'off'], {}, /port-exhaustion sets sysctls in a client namespace of its own .* cannot run with --netns off$/],
    [[], { [PRETEND_UNAVAILABLE_ENV]: '1' }, /cannot create network namespaces \(TIMEWAIT_LAB_NO_NETNS is set\); run as root \(sudo .*\) or in the lab container \(docker compose run --rm lab/],
  ])('%j %j', async (args, env, message) => {
    const out = mkdtempSync(path.join(tmpdir(), 'twlab-refused-'));
    const cli = await scenarioCli(['port-exhaustion', ...args, '--out', path.join(out, 'r.json')], { env });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr.trim()).toMatch(message);
    expect(readdirSync(out)).toEqual([]);
  });
});
