import { defineScenario, type VariantRun } from '../harness/scenario/contract.ts';
import { times, type DerivedBound } from '../harness/shapes/bounds.ts';
import { agentClient, consume } from './_http.ts';
import { formatCount } from '../harness/shared/numbers.ts';

/** The client host's ephemeral ports: 1,000, so the run ends in seconds, not minutes. */
const PORT_RANGE = '40000 40999';
const PORTS = 1000;

/**
 * Requests beyond the port range: with tcp_tw_reuse = 0 each of them fails (TIME_WAIT lasts 60 s,
 * longer than the run); with tcp_tw_reuse = 1 each takes over a port still in TIME_WAIT.
 */
const beyondThePorts: DerivedBound = {
  text: `requests − ${formatCount(PORTS)} ports`,
  value: ({ requests }) => Math.max(0, requests - PORTS),
};
/** Linux's default ip_local_port_range, 32768-60999: 28,232 ports. */
const DEFAULT_RANGE = '32768 60999';
const DEFAULT_PORTS = 28_232;
/** New connections a second that run the default range out in about 45 s: each port is held 60 s. */
const DEFAULT_RATE = 630;
/** Seconds of load at that rate: the range runs out at about 45 s, then connect() fails for the rest. */
const DEFAULT_LOAD_S = 50;
/**
 * When it ran out can only be compared with the projection where the client kept its rate up (95%
 * of it) for a load of more requests than ports. Past half the range every connect() makes the
 * kernel walk the half it prefers (even ports) before it tries the other, about 2 ms of system
 * time each on a 2-CPU machine here: a client that cannot pay that 630 times a second falls behind,
 * and runs out late or never (docs/time.md).
 */
const keptItsRate = {
  text: `the client to keep its rate up (95% of it) for a load of more requests than the ${formatCount(DEFAULT_PORTS)} ports: past half the range each connect() costs the kernel a walk of the other half (docs/time.md)`,
  value: ({ load, summary }: VariantRun) =>
    (load?.requests ?? 0) > DEFAULT_PORTS && (!summary?.rate || summary.rate.achievedPerSec >= 0.95 * summary.rate.askedPerSec),
};

/** Every connection of the bad client that got a port leaves it in TIME_WAIT. */
const portsUsed: DerivedBound = {
  text: `0.9 × the smaller of requests and ${formatCount(PORTS)} ports`,
  value: ({ requests }) => 0.9 * Math.min(requests, PORTS),
};

export default defineScenario({
  name: 'port-exhaustion',
  summary: `a client that closes first on a host with ${formatCount(PORTS)} ports: connect() fails with EADDRNOTAVAIL`,
  explanation: {
    problem:
      'The client drops every response unread, so it closes every connection itself, on a client host (its own ' +
      `network namespace) with ${formatCount(PORTS)} ephemeral ports and tcp_tw_reuse = 0, as between two real hosts; ` +
      `and (default-range) on Linux's default ${formatCount(DEFAULT_PORTS)} ports at ${DEFAULT_RATE} requests a second.`,
    why:
      'The side that closes first keeps each connection in TIME_WAIT for 60 s, and on the client that holds the ' +
      'local port: to the same server address and port, no new connection may use it. After one connection per ' +
      'port, connect() fails with EADDRNOTAVAIL ("cannot assign requested address"). tcp_tw_reuse = 1 lets the kernel ' +
      'take over a port whose TIME_WAIT is older than tcp_tw_reuse_delay (1 s): it hides the failures, but every ' +
      'request still pays for a new connection, and the host cannot open more than ports ÷ 1 s new connections a second. ' +
      `At ${DEFAULT_RATE} new connections a second the default range is all in TIME_WAIT after ${formatCount(DEFAULT_PORTS)} ÷ ${DEFAULT_RATE} = ` +
      `${Math.round(DEFAULT_PORTS / DEFAULT_RATE)} s, when the capacity projection says: a real service at that rate fails within a minute.`,
    fix: 'Read every response to the end and share one keep-alive agent: a handful of connections serve every request.',
  },
  clientSysctls: { 'net.ipv4.ip_local_port_range': PORT_RANGE, 'net.ipv4.tcp_tw_reuse': '0' },
  // Twice the ports. Paced below what tcp_tw_reuse = 1 can sustain (1,000 ports ÷ 1 s), so that
  // variant's outcome does not depend on how fast this machine is: at most 20 requests every 40 ms.
  load: { requests: 2000, concurrency: 20, pattern: 'bursts', burstGapMs: 40 },
  variants: [
    {
      name: 'bad',
      role: 'misconfigured',
      summary: 'keep-alive agent, destroys every response unread: the client closes first',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => void res.destroy()),
    },
    {
      name: 'good',
      role: 'fix',
      summary: 'keep-alive agent, reads every body to the end: connections are reused',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => consume(res)),
    },
    {
      name: 'tw-reuse',
      role: 'misconfigured',
      summary: 'the same bad client with tcp_tw_reuse = 1: the kernel reuses ports still in TIME_WAIT',
      clientSysctls: { 'net.ipv4.tcp_tw_reuse': '1' },
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => void res.destroy()),
    },
    {
      name: 'default-range',
      role: 'misconfigured',
      summary: `the same bad client on Linux's default ${formatCount(DEFAULT_PORTS)} ports at ${DEFAULT_RATE} requests a second: they run out after about 45 s`,
      clientSysctls: { 'net.ipv4.ip_local_port_range': DEFAULT_RANGE },
      // Room for 1,000 requests in flight: a machine that stalls queues them rather than dropping them.
      load: { pattern: 'rate', rate: DEFAULT_RATE, requests: DEFAULT_RATE * DEFAULT_LOAD_S, concurrency: 1000 },
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => void res.destroy()),
    },
  ],
  claims: [
    { variant: 'bad', metric: 'requests.errorsByCode.EADDRNOTAVAIL', atLeast: beyondThePorts },
    { variant: 'bad', metric: 'requests.ok', atMost: PORTS },
    { variant: 'bad', metric: 'timeWait.clientSide.peak', atLeast: portsUsed },
    { variant: 'good', metric: 'requests.failed', atMost: 0 },
    { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'tw-reuse', metric: 'requests.failed', atMost: 0 },
    { variant: 'tw-reuse', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'tw-reuse', metric: 'kernel.timeWaitReused', atLeast: beyondThePorts },
    // A real range runs out when the projection says: ports ÷ new connections a second, each held 60 s.
    { variant: 'default-range', metric: 'projection.exhaustedAfterMs.ratio', atLeast: 0.9, atMost: 1.1, when: keptItsRate },
  ],
});
