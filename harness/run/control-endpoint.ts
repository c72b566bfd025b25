// A server the lab did not start (`--target`), seen through its control endpoint: its counts, its
// settings and its namespace's TCP figures (servers/protocol.ts), read over HTTP.
import type { Probe } from '../observe/probes.ts';
import { controlReportSchema, type ControlReport } from '../../servers/protocol.ts';

/** GET the server's control endpoint (one keep-alive connection, so polling it costs no ports). */
export async function readControl(controlUrl: string): Promise<ControlReport> {
  const response = await fetch(controlUrl, { signal: AbortSignal.timeout(5000) }).catch((error: Error) => {
    // fetch says only "fetch failed"; the socket error is its cause.
    throw (error.cause as Error | undefined) ?? error;
  });
  if (!response.ok) throw new Error(`${controlUrl} answered HTTP ${response.status}`);
  const report = controlReportSchema.safeParse(await response.json().catch(() => undefined));
  if (!report.success) {
    const [first] = report.error.issues;
    throw new Error(`its answer is not the report of this version of the lab's server (${first?.path.join('.') || 'the body'}: ${first?.message})`);
  }
  return report.data;
}

/** The server's namespace, seen through its control endpoint: counts and counters, no socket list. */
export function controlProbe(controlUrl: string): Probe {
  return {
    side: 'server',
    local: false,
    sockstat: async () => (await readControl(controlUrl)).sockstat,
    counters: async () => (await readControl(controlUrl)).kernel,
  };
}
