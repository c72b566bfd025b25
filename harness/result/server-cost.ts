// What a connection costs the server beyond a port and a TIME_WAIT, from its own counts: its CPU
// time per request (every result), its TLS handshakes, full and resumed (a TLS server), and how many
// requests each HTTP/2 connection carried (an HTTP/2 server). Figures of the summary: schema.ts.
import type { ServerStats } from '../shapes/server-protocol.ts';
import type { VariantSummary } from './schema.ts';

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

type Counts = Partial<Pick<ServerStats, 'cpuUs' | 'tlsHandshakes' | 'tlsResumed' | 'tlsFailed' | 'http2Connections' | 'http2Streams'>> &
  Pick<ServerStats, 'connectionsAccepted' | 'requestsServed'>;

/** The summary's serverCpu, tls and http2, each where the server counted it. */
export function serverCost(server: Counts): Pick<VariantSummary, 'serverCpu' | 'tls' | 'http2'> {
  const { cpuUs, tlsHandshakes, tlsResumed = 0, tlsFailed = 0, http2Connections, http2Streams = 0 } = server;
  return {
    ...(cpuUs !== undefined && {
      serverCpu: { totalMs: round(cpuUs / 1000, 1), perRequestUs: round(cpuUs / Math.max(1, server.requestsServed), 1) },
    }),
    ...(tlsHandshakes !== undefined && {
      tls: {
        handshakes: tlsHandshakes,
        full: tlsHandshakes - tlsResumed,
        resumed: tlsResumed,
        failed: tlsFailed,
        handshakesPerConnection: round(tlsHandshakes / Math.max(1, server.connectionsAccepted), 4),
        resumedShare: round(tlsResumed / Math.max(1, tlsHandshakes), 4),
      },
    }),
    ...(http2Connections !== undefined && {
      http2: { connections: http2Connections, streams: http2Streams, streamsPerConnection: round(http2Streams / Math.max(1, http2Connections), 2) },
    }),
  };
}
