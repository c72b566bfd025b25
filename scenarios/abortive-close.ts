import type net from 'node:net';
import { defineScenario, type Client } from '../harness/scenario/contract.ts';
import { times } from '../harness/shapes/bounds.ts';
import { agentClient, consume } from './_http.ts';

/** Far more than a fresh loopback connection has in flight (its receive window starts near 64 KiB). */
const LARGE = 1024 * 1024;

/** A keep-alive client that ends each connection itself once the response has been read, with `close`. */
function closesEachConnection(url: string, close: (socket: net.Socket) => void): Client {
  return agentClient(url, { keepAlive: true }, (res) => {
    const socket = res.socket;
    // 'end' listeners run before the agent frees the socket (on the next tick), so no other
    // request can have taken it yet.
    res.on('end', () => close(socket));
    return consume(res);
  });
}

export default defineScenario({
  name: 'abortive-close',
  summary: 'closing with RST (linger 0) leaves no TIME_WAIT, and costs resets and lost data: not a fix',
  explanation: {
    problem:
      'Told that TIME_WAIT piles up, someone closes connections abortively: socket.resetAndDestroy() in Node, ' +
      'SO_LINGER with a zero timeout elsewhere. The TIME_WAIT is gone, and so is the graceful end of the connection.',
    why:
      'A close with linger 0 sends RST instead of FIN and throws away whatever the kernel has not yet sent: no ' +
      'TIME_WAIT on either side, but the peer sees a reset instead of an end (ECONNRESET in its logs), and data ' +
      'still in flight is lost. Here the client resets after reading each response (the server sees a reset per ' +
      `connection), and the server resets right after writing a ${LARGE / 1024 / 1024} MiB response: the client ` +
      'receives what was already in flight and the request fails. (A few responses still get through whole ' +
      'before the reset, about 1 in 100 here, so the claim asks for half.) TIME_WAIT is what protects a new connection on ' +
      'the same four-tuple from the old one\'s late packets; resetting skips that too. Each request still pays a ' +
      'connection.',
    fix:
      'Do not close: reuse connections (one keep-alive agent, bodies read to the end), and the question of ' +
      'TIME_WAIT goes away. Where a close is needed, close gracefully and let the TIME_WAIT be.',
  },
  load: { requests: 600, concurrency: 10 },
  variants: [
    {
      name: 'client-fin',
      role: 'misconfigured',
      summary: 'the client closes each connection gracefully after the response (FIN)',
      makeClient: ({ url }) => closesEachConnection(url, (socket) => socket.destroy()),
    },
    {
      name: 'client-rst',
      role: 'misconfigured',
      summary: 'the client resets each connection after the response (socket.resetAndDestroy())',
      makeClient: ({ url }) => closesEachConnection(url, (socket) => socket.resetAndDestroy()),
    },
    {
      name: 'server-fin',
      role: 'misconfigured',
      summary: `the server sends ${LARGE / 1024 / 1024} MiB with Connection: close and closes gracefully`,
      server: { bodyBytes: LARGE, afterResponse: 'close' },
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }),
    },
    {
      name: 'server-rst',
      role: 'misconfigured',
      summary: `the server writes ${LARGE / 1024 / 1024} MiB with Connection: close, then resets at once`,
      server: { bodyBytes: LARGE, afterResponse: 'reset' },
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }),
    },
    {
      name: 'keep-alive',
      role: 'fix',
      summary: 'one keep-alive agent, bodies read to the end: connections are reused, nobody closes',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }),
    },
  ],
  claims: [
    { variant: 'client-fin', metric: 'timeWait.clientSide.peak', atLeast: times(0.9, 'requests') },
    { variant: 'client-fin', metric: 'connectionsReset', atMost: 0 },
    { variant: 'client-rst', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'client-rst', metric: 'timeWait.total.peak', atMost: 0 },
    { variant: 'client-rst', metric: 'connectionsReset', atLeast: times(0.9, 'requests') },
    { variant: 'client-rst', metric: 'kernel.outRsts', atLeast: times(0.9, 'requests') },
    { variant: 'server-fin', metric: 'requests.failed', atMost: 0 },
    { variant: 'server-fin', metric: 'timeWait.total.peak', atLeast: times(0.9, 'requests') },
    { variant: 'server-rst', metric: 'requests.failed', atLeast: times(0.5, 'requests') },
    { variant: 'server-rst', metric: 'timeWait.total.peak', atMost: 0 },
    { variant: 'keep-alive', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'keep-alive', metric: 'requests.failed', atMost: 0 },
  ],
});
