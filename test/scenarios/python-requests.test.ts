// The Python client (clients/python), end to end, when a Python 3 with requests is present; without
// one the scenario is skipped, and says how to get it, both here and in --list (in CI, CI=true, it
// fails instead: CI installs python3-requests so that this scenario is tested).
import { beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_REQUESTS } from '../../harness/scenario/python-client.ts';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, scenarioCli, summaryOf } from '../support/helpers.ts';

const REQUESTS = 500;
const CONCURRENCY = 50;
/** urllib3's default pool_maxsize: what a Session's pool keeps per host. */
const POOL_MAXSIZE = 10;
/** The run of every variant, through the real CLI. */
const RUN_TIMEOUT_MS = 180_000;
const hasPython = await PYTHON_REQUESTS.available();
const inCi = process.env.CI === 'true';
if (!hasPython && !inCi) console.warn(`Skipping python-requests's run: no Python 3 with requests; install it with: ${PYTHON_REQUESTS.howToGet}`);

describe.skipIf(!hasPython && !inCi)('python-requests (needs Python 3 and requests: apt-get install python3-requests)', () => {
  let result: Result;
  beforeAll(async () => {
    result = await runScenarioOk('python-requests', REQUESTS, CONCURRENCY);
  }, RUN_TIMEOUT_MS);

  it('requests.get() per call: a connection per request, closed by the client', () => {
    const s = summaryOf(result, 'get-per-call');
    expect(s.requests.ok).toBe(REQUESTS);
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(REQUESTS);
    expect(s.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('a Session per thread: at most one connection per thread', () => {
    const s = summaryOf(result, 'session');
    expect(s.requests.ok).toBe(REQUESTS);
    expect(s.connectionsOpened).toBeLessThanOrEqual(CONCURRENCY);
  });

  it("a Session shared by more threads than its pool: every connection it cannot keep is closed, with urllib3's warning", () => {
    const s = summaryOf(result, 'pool-full');
    const warnings = s.clientCounters.poolFullWarnings!;
    expect(s.connectionsOpened).toBeGreaterThan(POOL_MAXSIZE);
    expect(s.connectionsOpened).toBeGreaterThanOrEqual((0.7 * REQUESTS * (CONCURRENCY - POOL_MAXSIZE)) / CONCURRENCY);
    // Each connection opened was discarded (one warning each) or is among the pool's at the end.
    expect(warnings).toBeLessThanOrEqual(s.connectionsOpened);
    expect(warnings).toBeGreaterThanOrEqual(s.connectionsOpened - POOL_MAXSIZE);
    expect(s.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * warnings);
  });

  it('a pool as large as the threads: at most its size, nothing discarded', () => {
    const s = summaryOf(result, 'pool-sized');
    expect(s.requests.ok).toBe(REQUESTS);
    expect(s.connectionsOpened).toBeLessThanOrEqual(CONCURRENCY);
    expect(s.clientCounters.poolFullWarnings).toBe(0);
  });

  it('over HTTPS, trusting the run\'s CA by REQUESTS_CA_BUNDLE: requests.get() pays a full handshake per request, a Session one per connection it keeps', () => {
    const churn = summaryOf(result, 'get-per-call-tls');
    expect(churn.requests.ok).toBe(REQUESTS);
    expect(churn.connectionsOpened).toBe(REQUESTS);
    expect(churn.tls).toMatchObject({ handshakes: REQUESTS, full: REQUESTS, resumed: 0, failed: 0 });
    const kept = summaryOf(result, 'session-tls');
    expect(kept.requests.ok).toBe(REQUESTS);
    expect(kept.tls!.handshakes).toBe(kept.connectionsOpened);
    expect(kept.connectionsOpened).toBeLessThanOrEqual(CONCURRENCY);
    expect(churn.serverCpu!.perRequestUs).toBeGreaterThan(kept.serverCpu!.perRequestUs);
  });

  it("records which Python ran, and its requests' and urllib3's versions", () => {
    expect(Object.keys(result.env.packages)).toEqual(expect.arrayContaining(['python', 'python.executable', 'requests', 'urllib3']));
    expect(result.env.packages.python).toMatch(/^3\.\d+\.\d+/);
  });
});

describe('python-requests without Python and requests', () => {
  const noPython = { env: { TIMEWAIT_PYTHON: '/nonexistent/python3' } };

  it('--list says the scenario is skipped here, and how to get them', async () => {
    const list = await scenarioCli(['--list'], noPython);
    expect(list.exitCode).toBe(0);
    expect(String(list.stderr)).toMatch(/python-requests .*\n\s+\(skipped here: needs Python 3 with requests; apt-get update && apt-get install -y python3-requests, or name a Python 3 that has it with TIMEWAIT_PYTHON\)/);
  });

  it('running it is refused in one line before anything starts, saying how to get them, and writes no result', async () => {
    const run = await scenarioCli(['python-requests', '--requests', '10', '--json'], noPython);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(String(run.stderr).trim().split('\n').at(-1)).toBe(
      'scenario: scenario python-requests needs Python 3 with requests, which this machine lacks (apt-get update && apt-get install -y python3-requests, or name a Python 3 that has it with TIMEWAIT_PYTHON)',
    );
  });
});
