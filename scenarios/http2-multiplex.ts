import http2 from 'node:http2';
import { defineScenario } from '../harness/scenario/contract.ts';
import { reopenedPerBurst, times } from '../harness/shapes/bounds.ts';
import { agentClient } from './_http.ts';

/** The idle sockets the HTTP/1.1 agent keeps between bursts (Go's DefaultMaxIdleConnsPerHost). */
const IDLE_POOL = 2;

/** Each burst reuses the IDLE_POOL sockets kept from the last one and opens the rest anew. */
const reopenedEveryBurst = reopenedPerBurst(0.9, IDLE_POOL);

export default defineScenario({
  name: 'http2-multiplex',
  summary: `HTTPS bursts of 20: HTTP/1.1 with an idle pool of ${IDLE_POOL} reopens 18 connections a burst, HTTP/2 sends them all on one`,
  explanation: {
    problem:
      `An HTTP/1.1 client over HTTPS keeps at most ${IDLE_POOL} idle connections (maxFreeSockets: ${IDLE_POOL}) while ` +
      'the load comes in bursts of 20 concurrent requests: every burst opens, and handshakes, 18 connections again.',
    why:
      'HTTP/1.1 carries one request at a time per connection, so 20 requests at once need 20 connections. ' +
      'HTTP/2 (offered by ALPN in the TLS handshake) carries them as streams of one connection: the size of an idle pool stops mattering.',
    fix: 'Speak HTTP/2 to the server: one `http2.connect()` session, each request a stream on it.',
  },
  server: { tls: true, http2: true },
  load: { requests: 400, concurrency: 20, pattern: 'bursts', burstGapMs: 10 },
  variants: [
    {
      name: 'http1-small-pool',
      role: 'misconfigured',
      summary: `HTTP/1.1 keep-alive agent with maxFreeSockets: ${IDLE_POOL} (no ALPN: the server answers in HTTP/1.1)`,
      makeClient: ({ url }) => agentClient(url, { keepAlive: true, maxFreeSockets: IDLE_POOL }),
    },
    {
      name: 'http2',
      role: 'fix',
      summary: 'one HTTP/2 session (ALPN h2), each request a stream on it',
      makeClient: ({ url }) => {
        const session = http2.connect(url);
        session.on('error', () => {}); // each request's stream reports its own failure
        return {
          request: () =>
            new Promise<number>((resolve, reject) => {
              const stream = session.request({ ':path': new URL(url).pathname });
              let status = 0;
              stream.on('response', (headers) => (status = Number(headers[':status'])));
              stream.on('end', () => resolve(status)).on('error', reject).resume();
            }),
          close: () => session.close(),
        };
      },
    },
  ],
  claims: [
    { variant: 'http1-small-pool', metric: 'connectionsOpened', atLeast: reopenedEveryBurst },
    { variant: 'http1-small-pool', metric: 'tls.handshakesPerConnection', atLeast: 1, atMost: 1 },
    { variant: 'http1-small-pool', metric: 'http2.connections', atMost: 0 },
    { variant: 'http2', metric: 'connectionsOpened', atMost: 1 },
    { variant: 'http2', metric: 'http2.connections', atLeast: 1, atMost: 1 },
    { variant: 'http2', metric: 'http2.streamsPerConnection', atLeast: times(1, 'requests') },
    { variant: 'http2', metric: 'requests.failed', atMost: 0 },
  ],
});
