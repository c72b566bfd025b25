// What the server under test tells the lab: over IPC, that it listens and, when asked, its counts;
// on its control endpoint (GET /), its counts, settings and network namespace's TCP figures, for a
// lab on another host (`--target`).
import { z } from 'zod';
import { kernelCountersSchema, sockstatSchema } from '../harness/observe/proc-net.ts';
import { effectiveServerSettingsSchema } from './settings.ts';

const count = z.number().int().nonnegative();

/** The server's own counts since it started. */
export const serverStatsSchema = z.strictObject({
  connectionsAccepted: count,
  connectionsOpen: count,
  requestsServed: count,
  /** Connections whose socket failed with ECONNRESET or EPIPE: the client reset them. */
  connectionsReset: count,
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

export type ServerMessage = ({ type: 'listening' } & Listening) | ({ type: 'stats' } & ServerStats);
