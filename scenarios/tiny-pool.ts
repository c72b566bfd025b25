import { defineScenario } from '../harness/scenario/contract.ts';
import { perConnection, reopenedPerBurst, times } from '../harness/shapes/bounds.ts';
import { agentClient } from './_http.ts';
import { requestsPerConnectionAtLeast } from '../harness/scenario/conditions.ts';

/** Go's http.DefaultMaxIdleConnsPerHost; Node's twin is the agent's maxFreeSockets. */
const IDLE_POOL = 2;

/** Each burst reuses the IDLE_POOL sockets kept from the last one and opens the rest anew. */
const newConnectionsPerBurst = reopenedPerBurst(0.9, IDLE_POOL);

export default defineScenario({
  name: 'tiny-pool',
  summary: `an idle pool of ${IDLE_POOL} under bursts of 50: every burst reopens 48 connections`,
  explanation: {
    problem:
      `A keep-alive agent keeps at most ${IDLE_POOL} idle sockets (maxFreeSockets: ${IDLE_POOL}, like Go's ` +
      'DefaultMaxIdleConnsPerHost = 2) while the load comes in bursts of 50 concurrent requests.',
    why:
      `When a burst ends, the agent keeps ${IDLE_POOL} sockets and destroys the others, so the client closes ` +
      'first and holds their TIME_WAIT; the next burst opens them all again.',
    fix: 'Size the idle pool to the concurrency (maxFreeSockets), or bound the sockets (maxSockets) so requests queue.',
  },
  load: { requests: 2000, concurrency: 50, pattern: 'bursts', burstGapMs: 10 },
  variants: [
    {
      name: 'bad',
      role: 'misconfigured',
      summary: `keep-alive agent with maxFreeSockets: ${IDLE_POOL}`,
      makeClient: ({ url }) => agentClient(url, { keepAlive: true, maxFreeSockets: IDLE_POOL }),
    },
    {
      name: 'good',
      role: 'fix',
      summary: 'keep-alive agent whose idle pool is as large as the burst',
      makeClient: ({ url, load }) => agentClient(url, { keepAlive: true, maxFreeSockets: load.concurrency }),
    },
    {
      name: 'bounded',
      role: 'fix',
      summary: 'keep-alive agent with maxSockets: 10 = maxFreeSockets: requests queue for a socket',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true, maxSockets: 10, maxFreeSockets: 10 }),
    },
  ],
  claims: [
    { variant: 'bad', metric: 'connectionsOpened', atLeast: newConnectionsPerBurst },
    { variant: 'bad', metric: 'timeWait.clientSide.peak', atLeast: newConnectionsPerBurst },
    { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
    { variant: 'bounded', metric: 'connectionsOpened', atMost: 10 },
    { variant: 'good', metric: 'requests.failed', atMost: 0 },
    // The server's count per connection: each burst's 48 new connections find no request waiting and
    // close after their one (the pool keeps 2), so most carry one; the fix's carry requests / concurrency.
    { variant: 'bad', metric: 'connections.requestsPerConnection.median', atMost: 1 },
    { variant: 'good', metric: 'connections.requestsPerConnection.median', atLeast: perConnection(0.5), when: requestsPerConnectionAtLeast(10) },
  ],
});
