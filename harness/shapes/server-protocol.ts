// What the server under test tells the lab: over IPC, that it listens, its counts when they change
// and when asked;
// on its control endpoint (GET /), its counts, settings and network namespace's TCP figures, for a
// lab on another host (`--target`).
import { z } from 'zod';
import { kernelCountersSchema, sockstatSchema } from './proc-net.ts';
import { effectiveServerSettingsSchema } from './server-settings.ts';
import { count } from './zod.ts';

/** The server's own counts since it started. */
export const serverStatsSchema = z.strictObject({
  connectionsAccepted: count,
  connectionsOpen: count,
  requestsServed: count,
  /** Connections whose socket failed with ECONNRESET or EPIPE: the client reset them. */
  connectionsReset: count,
  /** CPU time (user + system) of the server process since it listened, in µs (process.cpuUsage()); absent from servers of before it was counted. */
  cpuUs: count.optional(),
  /** TLS servers only: handshakes completed, those of them resumed (isSessionReused()), and those that failed (tlsClientError). */
  tlsHandshakes: count.optional(),
  tlsResumed: count.optional(),
  tlsFailed: count.optional(),
  /** HTTP/2 servers only: connections that spoke HTTP/2 (sessions) and the streams (requests) they carried. */
  http2Connections: count.optional(),
  http2Streams: count.optional(),
});
export type ServerStats = z.infer<typeof serverStatsSchema>;

/** What the control endpoint answers. The figures are cumulative: a reader takes differences. */
export const controlReportSchema = z.strictObject({
  stats: serverStatsSchema,
  settings: effectiveServerSettingsSchema,
  sockstat: sockstatSchema,
  kernel: kernelCountersSchema,
});
export type ControlReport = z.infer<typeof controlReportSchema>;

/** Where the server listens: its first message over IPC, or its one line on stdout when it runs by itself. */
export interface Listening {
  host: string;
  port: number;
  pid: number;
  controlHost: string | null;
  controlPort: number | null;
}

/**
 * The server pushes its counts when they change, at most this often (servers/http-server.ts). Each
 * push wakes the harness, about 0.3 ms of its CPU on a small VM: at 100 ms the pushes were a fifth
 * of what the harness spent beside a light load (npm run bench, harness part); at 250 ms a server
 * that dies leaves counts as fresh as the 250 ms polling that came before.
 */
export const COUNTS_EVERY_MS = 250;

/** `counts`: pushed when they change; `stats`: the answer to a request for them. */
export type ServerMessage = ({ type: 'listening' } & Listening) | ({ type: 'counts' } & ServerStats) | ({ type: 'stats' } & ServerStats);
