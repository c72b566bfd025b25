import { defineScenario } from '../harness/scenario/contract.ts';
import { times } from '../harness/shapes/bounds.ts';
import { agentClient } from './_http.ts';

/** The same client for every variant: one keep-alive agent, every body read to the end. */
const keepAliveClient = ({ url }: { url: string }) => agentClient(url, { keepAlive: true });

const PAUSE_MS = 50;
const SHORT_IDLE_MS = 10;
/** Announced as `Keep-Alive: timeout=1`: Node's agent subtracts its 1 s buffer and keeps nothing. */
const HINTED_IDLE_MS = 1500;

export default defineScenario({
  name: 'server-closes',
  summary: 'the server ends keep-alive (Connection: close, a tiny keepAliveTimeout): the TIME_WAIT moves to the server',
  explanation: {
    problem:
      'The client is a good keep-alive client, but the server ends every connection: it answers with ' +
      `Connection: close, or its keepAliveTimeout (${SHORT_IDLE_MS} ms) is shorter than the client's pauses ` +
      `(${PAUSE_MS} ms between bursts). Every request opens a new connection all the same.`,
    why:
      'The side that closes first keeps the TIME_WAIT. With Connection: close both sides close as soon as the ' +
      'response is complete, and the table shows how that race splits the TIME_WAIT between them; a server that ' +
      'times idle connections out closes alone, so the TIME_WAIT is all on its side. A server-side TIME_WAIT holds ' +
      'the four-tuple (server address and port, client address and port) but no port of its own: the server ' +
      "answers on its one listening port. The client closed second, so its socket went from LAST_ACK to CLOSED and " +
      "its ephemeral port is free at once: the client-side TIME_WAIT stays near zero and the client's port range " +
      'is not used up. It still matters: the server holds one TIME_WAIT entry per connection for 60 s (memory, and ' +
      'tcp_max_tw_buckets, past which the kernel drops them and counts TCPTimeWaitOverflow); and when a client ' +
      'comes back on a port for which the server still holds TIME_WAIT, Linux takes the new SYN only if it is ' +
      'newer (by TCP timestamp, or by sequence number); otherwise it answers with an ACK, the client resets, and ' +
      'its connect waits about a second for the next SYN: the case of many clients behind one NAT address. ' +
      'Every request also still pays a handshake. One twist, measured on this Node: when the server ' +
      `announces Keep-Alive: timeout=1 (keepAliveTimeout ${HINTED_IDLE_MS} ms), Node's agent subtracts its ` +
      'agentKeepAliveTimeoutBuffer (1 s), finds nothing left and closes every socket itself: the TIME_WAIT is back ' +
      'on the client although the server would have waited 1.5 s.',
    fix:
      "Let the server keep connections alive, with a keepAliveTimeout longer than the client's pauses (Node's " +
      'default: 5 s; at least 2 s for Node clients to reuse them at all).',
  },
  load: { requests: 1000, concurrency: 20, pattern: 'bursts', burstGapMs: PAUSE_MS },
  variants: [
    {
      name: 'connection-close',
      role: 'misconfigured',
      summary: 'the server answers Connection: close and closes first',
      server: { afterResponse: 'close' },
      makeClient: keepAliveClient,
    },
    {
      name: 'short-idle-timeout',
      role: 'misconfigured',
      summary: `the server closes connections idle for ${SHORT_IDLE_MS} ms (no buffer, no Keep-Alive hint)`,
      // Without the hint: Node's agent would see `Keep-Alive: timeout=0` and close first itself.
      server: { keepAliveTimeoutMs: SHORT_IDLE_MS, keepAliveTimeoutBufferMs: 0, keepAliveHint: false },
      makeClient: keepAliveClient,
    },
    {
      name: 'hinted-timeout',
      role: 'misconfigured',
      summary: `keepAliveTimeout ${HINTED_IDLE_MS} ms, announced as Keep-Alive: timeout=1: the Node client closes first`,
      server: { keepAliveTimeoutMs: HINTED_IDLE_MS },
      makeClient: keepAliveClient,
    },
    {
      name: 'good',
      role: 'fix',
      summary: 'the server keeps idle connections for 5 s, longer than any pause',
      makeClient: keepAliveClient,
    },
  ],
  claims: [
    { variant: 'connection-close', metric: 'connectionsPerRequest', atLeast: 0.9 },
    // Who closes first races, but one side of every connection keeps a TIME_WAIT.
    { variant: 'connection-close', metric: 'timeWait.total.peak', atLeast: times(0.9, 'requests') },
    { variant: 'short-idle-timeout', metric: 'connectionsPerRequest', atLeast: 0.9 },
    // Not quite all: the client closes the last burst's connections itself when it is done, and a server
    // that runs later than the pause lets a burst reuse connections it meant to close.
    { variant: 'short-idle-timeout', metric: 'timeWait.serverSide.peak', atLeast: times(0.8, 'requests') },
    { variant: 'short-idle-timeout', metric: 'timeWait.clientSide.peak', atMost: times(1, 'concurrency') },
    { variant: 'hinted-timeout', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'hinted-timeout', metric: 'timeWait.clientSide.peak', atLeast: times(0.9, 'requests') },
    { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
  ],
});
