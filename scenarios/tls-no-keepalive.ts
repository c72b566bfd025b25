import { defineScenario } from '../harness/scenario/contract.ts';
import { times, timesVariant } from '../harness/shapes/bounds.ts';
import { requestsAtLeast } from '../harness/scenario/conditions.ts';
import { agentClient, consume, get } from './_http.ts';

export default defineScenario({
  name: 'tls-no-keepalive',
  summary: 'keep-alive is off over HTTPS, so every request pays a full TLS handshake on a new connection',
  explanation: {
    problem:
      'The client talks HTTPS with `agent: false`: every request opens a TCP connection, runs a full TLS ' +
      'handshake on it (key exchange and the certificate signature) and closes it.',
    why:
      'Over TLS a new connection costs more than a port and a TIME_WAIT: public-key work on the server and ' +
      'a round trip more before the request. Without an agent nothing keeps the TLS session either, so ' +
      'no handshake can be resumed. The table shows the server\'s CPU per request beside the connections. ' +
      'Over TLS the closes race with the close_notify alerts: the server, which closes first, mostly answers ' +
      'the client\'s alert with a reset, so the churn shows as opens and resets more than as TIME_WAIT.',
    fix:
      'Keep connections alive (`new https.Agent({ keepAlive: true })`): one handshake per connection. ' +
      'Resuming sessions (`new https.Agent()` caches them) makes each handshake cheaper, but keeps a ' +
      'connection, a handshake and a TIME_WAIT per request.',
  },
  server: { tls: true },
  load: { requests: 400, concurrency: 4 },
  variants: [
    {
      name: 'no-keepalive',
      role: 'misconfigured',
      summary: 'agent: false over HTTPS: a new connection and a full handshake for every request',
      makeClient: ({ url }) => ({
        request: () => get(url, { agent: false }, (res) => consume(res)),
        close: () => {},
      }),
    },
    {
      name: 'keep-alive',
      role: 'fix',
      summary: 'one shared https.Agent with keepAlive: true: one handshake per connection',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }),
    },
    {
      name: 'session-resumption',
      role: 'fix',
      summary: "new https.Agent() (keepAlive false): it keeps TLS sessions and resumes them, still a connection per request",
      makeClient: ({ url }) => agentClient(url, { keepAlive: false }),
    },
  ],
  claims: [
    { variant: 'no-keepalive', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'no-keepalive', metric: 'tls.handshakesPerConnection', atLeast: 1, atMost: 1 },
    { variant: 'no-keepalive', metric: 'tls.resumed', atMost: 0 },
    // The server's CPU counts from the moment it listens, its warm-up included (about a millisecond
    // per request of keep-alive's at 120 requests, measured): enough requests keep that out of the ratio.
    {
      variant: 'no-keepalive',
      metric: 'serverCpu.perRequestUs',
      atLeast: timesVariant(2, 'keep-alive'),
      when: requestsAtLeast(300, "300 requests or more per variant (with fewer, the server's warm-up is much of its CPU per request)"),
    },
    { variant: 'session-resumption', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'session-resumption', metric: 'tls.handshakesPerConnection', atLeast: 1, atMost: 1 },
    { variant: 'session-resumption', metric: 'tls.resumed', atLeast: times(0.9, 'requests') },
    // Measured on kernel 6.18: the server ends each connection, and the client's close_notify comes in
    // after it closed, so the server sends RST (TcpExt TCPAbortOnData): the churn shows as opens and resets, not TIME_WAIT.
    { variant: 'session-resumption', metric: 'kernel.activeOpens', atLeast: times(0.9, 'requests') },
    { variant: 'keep-alive', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'keep-alive', metric: 'tls.handshakesPerConnection', atLeast: 1, atMost: 1 },
    { variant: 'keep-alive', metric: 'requests.failed', atMost: 0 },
  ],
});
