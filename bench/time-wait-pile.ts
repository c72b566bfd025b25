// Builds a pile of client-side TIME_WAIT sockets on one server port with the lab's own misconfigured
// client (no-body-close, variant bad: every request opens a connection and the client closes it
// first). They last 60 s (TCP_TIMEWAIT_LEN), long enough to measure the sampler among them.
import { setTimeout as sleep } from 'node:timers/promises';
import { runClient } from '../harness/load/client-process.ts';
import { sampleOnce } from '../harness/observe/sampler.ts';

/**
 * Connections to one destination address share its ephemeral ports (net.ipv4.ip_local_port_range),
 * so on the host's loopback (28,232 ports by default) a pile larger than this is spread over several
 * addresses (127.0.0.1, 127.0.0.2, ...; all of 127/8 is local), all on the same server port. In the
 * bench's namespaces the client has 64,512 ports for the server's one address; there each client
 * sends this many, several at once.
 */
export const SOCKETS_PER_DESTINATION = 10_000;
/** The scenario whose "bad" client makes the pile, against that scenario's server settings. */
export const PILE_SCENARIO = 'no-body-close';
const CONCURRENCY_PER_CLIENT = 20;
const SETTLE_LIMIT_MS = 3_000;

/** One client per SOCKETS_PER_DESTINATION sockets: to `server`, or each to a loopback address of its own. */
export function destinationsFor(size: number, server: string | null): string[] {
  return Array.from({ length: Math.ceil(size / SOCKETS_PER_DESTINATION) }, (_, i) => server ?? `127.0.0.${i + 1}`);
}

/** Runs one bad client per destination entry at once; resolves once the last connection has closed. */
export async function buildPile(port: number, size: number, destinations: string[]): Promise<void> {
  const share = (i: number) => Math.floor(size / destinations.length) + (i < size % destinations.length ? 1 : 0);
  await Promise.all(
    destinations.map((host, i) =>
      runClient(
        {
          scenario: PILE_SCENARIO,
          variant: 'bad',
          url: `http://${host}:${port}/`,
          load: { requests: share(i), concurrency: CONCURRENCY_PER_CLIENT, pattern: 'steady', burstGapMs: 0 },
        },
        60_000 + share(i) * 10,
      ),
    ),
  );
  // The last closes finish after the client reports; wait until no client-side socket is still open.
  const until = performance.now() + SETTLE_LIMIT_MS;
  while (performance.now() < until) {
    const { clientSide } = await sampleOnce(port, 0);
    const stillOpen = Object.entries(clientSide).filter(([state]) => state !== 'timeWait').reduce((sum, [, n]) => sum + (n ?? 0), 0);
    if (stillOpen === 0) return;
    await sleep(100);
  }
}
