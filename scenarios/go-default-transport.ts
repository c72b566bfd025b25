import { goClient } from '../harness/scenario/go-client.ts';
import { defineScenario } from '../harness/scenario/contract.ts';
import { reopenedPerBurst, times, type DerivedBound } from '../harness/shapes/bounds.ts';

/** Go's http.DefaultMaxIdleConnsPerHost: the idle connections http.DefaultTransport keeps per host. */
const IDLE_PER_HOST = 2;

/**
 * After each pause only IDLE_PER_HOST connections are idle, so each burst opens the rest anew. A
 * request that starts late in a burst can take a connection another one just gave back (the
 * transport uses whichever comes first, a dial or an idle connection), hence the margin of 0.7.
 */
const reopened = reopenedPerBurst(0.7, IDLE_PER_HOST);

/**
 * The stream resets a server takes on one HTTP/2 connection before it ends it with GOAWAY: Node's
 * nghttp2 limits incoming RST_STREAM frames against Rapid Reset (CVE-2023-44487), a token bucket of
 * 1,000 at once and 33 a second after (nghttp2_option_set_stream_reset_rate_limit, nghttp2 1.57).
 * Measured here: 2,000 unread bodies over h2 opened 20 connections, 3,500 opened 30. How many resets
 * a connection takes depends on timing (a reset of a stream the server has already finished is not
 * counted), so this is a bound: at least 1,000 resets per connection, never fewer.
 */
const RESETS_PER_CONNECTION = 1000;
/** Each connection's worth of resets makes the client dial a burst's connections again. */
const redialedAfterResets: DerivedBound = {
  text: `concurrency × (1 + requests / ${RESETS_PER_CONNECTION.toLocaleString('en-US')} resets, rounded down)`,
  value: ({ requests, concurrency }) => concurrency * (1 + Math.floor(requests / RESETS_PER_CONNECTION)),
};

export default defineScenario({
  name: 'go-default-transport',
  summary: 'the original write-up, with a real Go client: unclosed bodies and http.DefaultTransport under concurrency 10',
  explanation: {
    problem:
      "Go's net/http, as the write-up found it: a client that does not read and close resp.Body, and one that " +
      `does but keeps http.DefaultTransport, which keeps ${IDLE_PER_HOST} idle connections per host, under bursts of 10 ` +
      'concurrent requests.',
    why:
      'The transport puts a connection back in its idle pool only when the body has been read to EOF and closed. ' +
      'Not closing it leaks the connection (open, with two goroutines, until the process exits: see the ' +
      'ESTABLISHED peak); closing it unread makes the transport close the connection, client first, into ' +
      `TIME_WAIT. With both done right, DefaultTransport still keeps only ${IDLE_PER_HOST} connections idle after ` +
      'a burst and closes the other 8, which the next burst opens again: each request pays a handshake and ' +
      'leaves a TIME_WAIT behind, 60 s and one ephemeral port each.',
    fix:
      'Read the body to the end and close it (io.Copy(io.Discard, resp.Body); resp.Body.Close()), and give the ' +
      'client a Transport whose MaxIdleConnsPerHost (and MaxIdleConns) is at least the concurrency. Over HTTPS, ' +
      'DefaultTransport negotiates HTTP/2 by itself when the server offers it (the -h2 variants): there an unread ' +
      'body resets its stream only, and the idle pool does not limit HTTP/2 connections, so neither mistake churns; ' +
      'though to a server each reset looks like the Rapid Reset attack (CVE-2023-44487), and Node ends the ' +
      'connection after about 1,000 of them, which the client then dials again.',
  },
  load: { requests: 2000, concurrency: 10, pattern: 'bursts', burstGapMs: 10 },
  variants: [
    {
      name: 'no-close',
      role: 'misconfigured',
      summary: 'resp.Body neither read nor closed (http.DefaultClient)',
      ...goClient('no-close'),
    },
    {
      name: 'close-unread',
      role: 'misconfigured',
      summary: 'resp.Body.Close() without reading it (http.DefaultClient)',
      ...goClient('close-unread'),
    },
    {
      name: 'default-transport',
      role: 'misconfigured',
      summary: `body read and closed, http.DefaultTransport (MaxIdleConnsPerHost ${IDLE_PER_HOST})`,
      ...goClient('default-transport'),
    },
    {
      name: 'tuned',
      role: 'fix',
      summary: 'body read and closed, a Transport with MaxIdleConnsPerHost = concurrency',
      ...goClient('tuned'),
    },
    // The write-up's two mistakes against an HTTPS server that offers HTTP/2: DefaultTransport
    // negotiates h2 by ALPN by itself (ForceAttemptHTTP2) and trusts the run's CA by SSL_CERT_FILE.
    {
      name: 'close-unread-h2',
      role: 'misconfigured',
      summary: 'resp.Body.Close() without reading it, over HTTPS with HTTP/2 offered (http.DefaultClient)',
      server: { tls: true, http2: true },
      ...goClient('close-unread'),
    },
    {
      name: 'default-transport-h2',
      role: 'misconfigured',
      summary: `body read and closed, http.DefaultTransport (MaxIdleConnsPerHost ${IDLE_PER_HOST}), over HTTPS with HTTP/2 offered`,
      server: { tls: true, http2: true },
      ...goClient('default-transport'),
    },
  ],
  claims: [
    { variant: 'no-close', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'no-close', metric: 'timeWait.clientSide.peak', atLeast: times(0.9, 'requests') },
    { variant: 'close-unread', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'close-unread', metric: 'timeWait.clientSide.peak', atLeast: times(0.9, 'requests') },
    { variant: 'default-transport', metric: 'connectionsOpened', atLeast: reopened },
    { variant: 'default-transport', metric: 'timeWait.clientSide.peak', atLeast: reopened },
    { variant: 'tuned', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'tuned', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
    { variant: 'tuned', metric: 'requests.failed', atMost: 0 },
    // Measured here (Go 1.19, kernel 6.18): over HTTP/2 neither mistake churns. An unread body is
    // closed by resetting its stream, not the connection; the idle pool's limit applies to HTTP/1.1
    // connections only. The first burst dials a connection per request (none is open yet). Only the
    // server's limit on stream resets ends a connection, about every thousand unread bodies.
    { variant: 'close-unread-h2', metric: 'connectionsOpened', atMost: redialedAfterResets },
    { variant: 'close-unread-h2', metric: 'tls.handshakesPerConnection', atLeast: 1, atMost: 1 },
    { variant: 'close-unread-h2', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
    { variant: 'default-transport-h2', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'default-transport-h2', metric: 'http2.streamsPerConnection', atLeast: { text: 'requests / concurrency', value: ({ requests, concurrency }) => requests / concurrency } },
    { variant: 'default-transport-h2', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
  ],
});
