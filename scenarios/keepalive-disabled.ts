import { defineScenario } from '../harness/scenario/contract.ts';
import { perConnection, times } from '../harness/shapes/bounds.ts';
import { agentClient, consume, get } from './_http.ts';
import { requestsPerConnectionAtLeast } from '../harness/scenario/conditions.ts';

export default defineScenario({
  name: 'keepalive-disabled',
  summary: 'keep-alive is turned off, so every request opens and closes a connection',
  explanation: {
    problem:
      'The client sends every request with `agent: false` (or through an agent without keepAlive), ' +
      'so each request carries `Connection: close` and gets a TCP connection of its own.',
    why:
      "Node's `agent: false` and `new http.Agent()` (keepAlive false) close the socket after each response; " +
      'both ends race to close, and whichever closes first holds the TIME_WAIT for 60 s: the table ' +
      'shows which side really holds it on this kernel.',
    fix: 'Create one keep-alive agent (`new http.Agent({ keepAlive: true })`) and pass it to every request.',
  },
  load: { requests: 2000, concurrency: 20 },
  variants: [
    {
      name: 'bad',
      role: 'misconfigured',
      summary: 'agent: false, a new connection with Connection: close for every request',
      makeClient: ({ url }) => ({
        request: () => get(url, { agent: false }, (res) => consume(res)),
        close: () => {},
      }),
    },
    {
      name: 'default-agent',
      role: 'misconfigured',
      summary: 'new http.Agent() (through agentClient) with its default keepAlive: false',
      makeClient: ({ url }) => agentClient(url, {}),
    },
    {
      name: 'good',
      role: 'fix',
      summary: 'one shared agent with keepAlive: true',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }),
    },
  ],
  claims: [
    { variant: 'bad', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'bad', metric: 'timeWait.total.peak', atLeast: times(0.9, 'requests') },
    { variant: 'default-agent', metric: 'connectionsPerRequest', atLeast: 0.9 },
    // Both ends race to close (traced, as root: the server first on most connections here), each with a FIN.
    { variant: 'bad', metric: 'connections.resets.client', atMost: 0 },
    { variant: 'bad', metric: 'connections.resets.server', atMost: 0 },
    { variant: 'bad', metric: 'connections.requestsPerConnection.median', atMost: 1 },
    { variant: 'default-agent', metric: 'connections.requestsPerConnection.median', atMost: 1 },
    { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'requests.failed', atMost: 0 },
    { variant: 'good', metric: 'connections.requestsPerConnection.median', atLeast: perConnection(0.5), when: requestsPerConnectionAtLeast(10) },
  ],
});
