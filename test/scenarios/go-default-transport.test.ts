// The Go client of the original write-up, end to end, when a Go toolchain is present; without one the
// scenario is skipped, and says how to get Go, both here and in --list (in CI, CI=true, it fails instead:
// CI installs Go so that this scenario is tested).
import { beforeAll, describe, expect, it } from 'vitest';
import { GO_TOOLCHAIN } from '../../harness/scenario/go-client.ts';
import type { Result } from '../../harness/result/schema.ts';
import { runScenarioOk, scenarioCli, summaryOf } from '../support/helpers.ts';

const REQUESTS = 300;
const CONCURRENCY = 10;
/** The run of every variant, through the real CLI. */
const RUN_TIMEOUT_MS = 180_000;
const hasGo = await GO_TOOLCHAIN.available();
const inCi = process.env.CI === 'true';
if (!hasGo && !inCi) console.warn(`Skipping go-default-transport's run: no Go toolchain; install it with: ${GO_TOOLCHAIN.howToGet}`);

describe.skipIf(!hasGo && !inCi)('go-default-transport (needs Go: apt-get install golang-go)', () => {
  let result: Result;
  beforeAll(async () => {
    result = await runScenarioOk('go-default-transport', REQUESTS, CONCURRENCY);
  }, RUN_TIMEOUT_MS);

  it('a body neither read nor closed leaks its connection until the process exits, then TIME_WAIT', () => {
    const s = summaryOf(result, 'no-close');
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(REQUESTS);
    expect(s.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('a body closed unread closes its connection: one per request', () => {
    const s = summaryOf(result, 'close-unread');
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(REQUESTS);
    expect(s.timeWait.clientSide.peak).toBeGreaterThanOrEqual(0.9 * REQUESTS);
  });

  it('DefaultTransport keeps 2 idle connections, so bursts of 10 reopen most of theirs', () => {
    const s = summaryOf(result, 'default-transport');
    expect(s.connectionsOpened).toBeGreaterThanOrEqual((0.7 * REQUESTS * (CONCURRENCY - 2)) / CONCURRENCY);
  });

  it('over HTTPS DefaultTransport speaks HTTP/2 by itself, trusting the CA by SSL_CERT_FILE: neither mistake churns', () => {
    for (const name of ['close-unread-h2', 'default-transport-h2']) {
      const s = summaryOf(result, name);
      expect(s.requests.ok, name).toBe(REQUESTS);
      // Every connection spoke HTTP/2 after one full handshake; none was reopened after the first burst.
      expect(s.connectionsOpened, name).toBeLessThanOrEqual(CONCURRENCY);
      expect(s.http2!.connections, name).toBe(s.connectionsOpened);
      expect(s.tls!.handshakes, name).toBe(s.connectionsOpened);
      expect(s.http2!.streams, name).toBe(REQUESTS);
    }
  });

  it('a Transport with MaxIdleConnsPerHost = concurrency reuses its connections', () => {
    const s = summaryOf(result, 'tuned');
    expect(s.requests.ok).toBe(REQUESTS);
    expect(s.connectionsOpened).toBeLessThanOrEqual(CONCURRENCY);
  });
});

describe('go-default-transport without Go', () => {
  const noGo = { env: { TIMEWAIT_GO: '/nonexistent/go' } };

  it('--list says the scenario is skipped here, and how to get Go', async () => {
    const list = await scenarioCli(['--list'], noGo);
    expect(list.exitCode).toBe(0);
    expect(String(list.stderr)).toMatch(/go-default-transport .*\n\s+\(skipped here: needs the Go toolchain \(go\); apt-get update && apt-get install -y golang-go\)/);
  });

  it('running it is refused before anything starts, in one line saying how to get Go: bad input, exit 2, no result', async () => {
    const run = await scenarioCli(['go-default-transport', '--requests', '10', '--json'], noGo);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    // One line and nothing before it: no story, no settings.
    expect(String(run.stderr)).toBe(
      'scenario: scenario go-default-transport needs the Go toolchain (go), which this machine lacks (apt-get update && apt-get install -y golang-go)',
    );
  });
});
