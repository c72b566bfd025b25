import { defineScenario } from '../harness/scenario/contract.ts';
import { reopenedPerBurst, times } from '../harness/shapes/bounds.ts';
import { pythonClient } from '../harness/scenario/python-client.ts';

/** urllib3's default pool_maxsize: the connections a requests Session keeps per host. */
const POOL_MAXSIZE = 10;

/**
 * After each burst the shared pool keeps POOL_MAXSIZE connections and closes the rest, which the
 * next burst opens again. The margin of 0.7 allows for threads that start late in a burst and take a
 * connection another one just gave back.
 */
const discardedPerBurst = reopenedPerBurst(0.7, POOL_MAXSIZE);

export default defineScenario({
  name: 'python-requests',
  summary: `Python requests: requests.get() per call, and one Session shared by 50 threads with a pool of ${POOL_MAXSIZE}`,
  explanation: {
    problem:
      "A real Python client: requests.get(url) for every request, the way most examples call it; and one Session " +
      `shared by 50 threads, whose connection pool keeps urllib3's default pool_maxsize of ${POOL_MAXSIZE}, under bursts of 50 concurrent requests.`,
    why:
      'requests.get() makes a Session for the one call and closes it after: a new connection per request, closed by ' +
      `the client, which keeps the TIME_WAIT (60 s and an ephemeral port each). A shared Session reuses connections, but its ` +
      `pool gives a connection back only while it holds fewer than ${POOL_MAXSIZE}: the others are closed, and urllib3 logs ` +
      '"Connection pool is full, discarding connection" for each; the next burst opens them again. Python\'s twin of Go\'s ' +
      'MaxIdleConnsPerHost = 2. The server answers after 50 ms, so that the 50 requests of a burst are really in flight at once: ' +
      'answered at once, many threads take a connection another has just given back, and how many are discarded depends on the machine.',
    fix:
      'Keep a Session (one per thread: a Session is not documented as thread-safe), and give a Session shared by N threads a pool ' +
      'of N: session.mount("http://", HTTPAdapter(pool_maxsize=N)).',
  },
  server: { responseDelayMs: 50 },
  load: { requests: 2000, concurrency: 50, pattern: 'bursts' },
  variants: [
    {
      name: 'get-per-call',
      role: 'misconfigured',
      summary: 'requests.get(url) for every request: a Session, and a connection, per call',
      ...pythonClient('get-per-call'),
    },
    {
      name: 'session',
      role: 'fix',
      summary: 'one requests.Session() per thread, kept between requests',
      ...pythonClient('session'),
    },
    {
      name: 'pool-full',
      role: 'misconfigured',
      summary: `one Session shared by every thread, with urllib3's default pool_maxsize of ${POOL_MAXSIZE}`,
      ...pythonClient('pool-full'),
    },
    {
      name: 'pool-sized',
      role: 'fix',
      summary: 'one Session shared by every thread, with HTTPAdapter(pool_maxsize=concurrency) mounted',
      ...pythonClient('pool-sized'),
    },
    // Over HTTPS: requests speaks HTTP/1.1 only, so each connection of its churn is a TLS handshake
    // too; it trusts the run's CA through REQUESTS_CA_BUNDLE, unchanged.
    {
      name: 'get-per-call-tls',
      role: 'misconfigured',
      summary: 'requests.get(url) over HTTPS: a connection and a full TLS handshake per call (a new Session keeps no TLS session)',
      server: { tls: true },
      ...pythonClient('get-per-call'),
    },
    {
      name: 'session-tls',
      role: 'fix',
      summary: 'one requests.Session() per thread over HTTPS: one handshake per connection kept',
      server: { tls: true },
      ...pythonClient('session'),
    },
  ],
  claims: [
    { variant: 'get-per-call', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'get-per-call', metric: 'timeWait.clientSide.peak', atLeast: times(0.9, 'requests') },
    { variant: 'session', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'session', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
    { variant: 'session', metric: 'requests.failed', atMost: 0 },
    { variant: 'pool-full', metric: 'connectionsOpened', atLeast: discardedPerBurst },
    { variant: 'pool-full', metric: 'clientCounters.poolFullWarnings', atLeast: discardedPerBurst },
    { variant: 'pool-full', metric: 'timeWait.clientSide.peak', atLeast: discardedPerBurst },
    { variant: 'pool-sized', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'pool-sized', metric: 'clientCounters.poolFullWarnings', atMost: 0 },
    { variant: 'pool-sized', metric: 'requests.failed', atMost: 0 },
    { variant: 'get-per-call-tls', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'get-per-call-tls', metric: 'tls.handshakesPerConnection', atLeast: 1, atMost: 1 },
    { variant: 'get-per-call-tls', metric: 'tls.resumed', atMost: 0 },
    { variant: 'session-tls', metric: 'tls.handshakes', atMost: times(1, 'concurrency') },
    { variant: 'session-tls', metric: 'requests.failed', atMost: 0 },
  ],
});
