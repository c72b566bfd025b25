import { defineScenario } from '../harness/scenario/contract.ts';
import { perConnection, times } from '../harness/shapes/bounds.ts';
import { agentClient, consume } from './_http.ts';
import { requestsPerConnectionAtLeast } from '../harness/scenario/conditions.ts';

export default defineScenario({
  name: 'no-body-close',
  summary: 'the client never reads the response body, so no connection goes back to the pool',
  explanation: {
    problem:
      'The client looks at the status code and drops the response without reading its body ' +
      "(Go: not reading and closing resp.Body). Every request opens a new TCP connection.",
    why:
      'Node hands a socket back to the keep-alive pool only once the response has been read to the end; ' +
      'destroying an unread response closes the socket, and the side that closes first keeps it in ' +
      'TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN), holding one ephemeral port each.',
    fix: 'Consume the body (res.resume() or read it) and share one keep-alive agent: connections are reused.',
  },
  load: { requests: 2000, concurrency: 20 },
  variants: [
    {
      name: 'bad',
      role: 'misconfigured',
      summary: 'keep-alive agent, reads the status, destroys the response unread',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => void res.destroy()),
    },
    {
      name: 'good',
      role: 'fix',
      summary: 'keep-alive agent, reads the body to the end',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => consume(res)),
    },
  ],
  claims: [
    { variant: 'bad', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'bad', metric: 'timeWait.clientSide.peak', atLeast: times(0.9, 'requests') },
    { variant: 'bad', metric: 'requests.failed', atMost: 0 },
    // Who closed (traced, as root): the client, with a FIN, every connection after its one request.
    { variant: 'bad', metric: 'connections.closedFirstBy.client', atLeast: times(1, 'requests') },
    { variant: 'bad', metric: 'connections.resets.client', atMost: 0 },
    { variant: 'bad', metric: 'connections.requestsPerConnection.median', atMost: 1 },
    { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'requests.failed', atMost: 0 },
    { variant: 'good', metric: 'connections.requestsPerConnection.median', atLeast: perConnection(0.5), when: requestsPerConnectionAtLeast(10) },
  ],
});
