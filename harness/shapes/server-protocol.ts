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
  /** Connections by the requests each carried so far (key: requests, value: connections), open ones included; absent from a server older than it. */
  requestsPerConnection: z.record(z.string().regex(/^\d+$/), count).optional(),
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
 * The server pushes its counts when they change, at most this often (servers/http-server.ts); the
 * first change at once. Each push wakes the harness, 0.3 to 1 ms of its CPU on a small VM, beside a
 * load that may use a fifth of a core (npm run bench, harness part); once a second, as the clients'
 * progress (client-protocol.ts PROGRESS_EVERY_MS). A server that dies leaves counts a second old at most.
 */
export const COUNTS_EVERY_MS = 1000;

/** What the lab asks its server over IPC: its counts, or the requests of the connections of some clients (`address:port`). */
export const labRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('stats') }),
  z.strictObject({ type: z.literal('carried'), clients: z.array(z.string().regex(/^[0-9a-f.:]+:\d+$/i)).max(1000) }),
]);
export type LabRequest = z.infer<typeof labRequestSchema>;

/** The requests each connection of a client carried, in the order the server accepted them (key: `address:port`). */
export const carriedSchema = z.record(z.string(), z.array(count));

/** `counts`: pushed when they change; `stats`, `carried`: the answers to the lab's requests. */
export type ServerMessage =
  | ({ type: 'listening' } & Listening)
  | ({ type: 'counts' } & ServerStats)
  | ({ type: 'stats' } & ServerStats)
  | { type: 'carried'; byClient: z.infer<typeof carriedSchema> };
