// A server the lab did not start (`--target`), seen through its control endpoint: its counts, its
// settings and its namespace's TCP figures (harness/shapes/server-protocol.ts), read over HTTP. What it answers is
// input from outside the lab: each request has a time limit and a size limit, and each answer is
// checked against the declaration the lab's own server answers by; anything else is a
// MeasurementError in one line, which fails the variant with what was measured until then.
import type { Probe } from '../observe/probes.ts';
import { MeasurementError } from '../shared/errors.ts';
import { controlReportSchema, type ControlReport } from '../shapes/server-protocol.ts';
import { problemLines } from '../shapes/zod.ts';

/** How long one request may take, its answer read whole included. */
export const CONTROL_TIMEOUT_MS = 5000;
/** The most of an answer that is read: a report is about a kilobyte. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** The body of `response`, as text, unless it is larger than `max` bytes. */
async function textUpTo(response: Response, max: number, fail: (why: string) => Error): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > max) throw fail(`answered more than ${max / 1024 / 1024} MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GET the server's control endpoint (one keep-alive connection, so polling it costs no ports). */
export async function readControl(controlUrl: string): Promise<ControlReport> {
  const fail = (why: string) => new MeasurementError(`the control endpoint ${controlUrl} ${why}`);
  let text: string;
  try {
    const response = await fetch(controlUrl, { signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) });
    if (!response.ok) throw fail(`answered HTTP ${response.status}`);
    text = await textUpTo(response, MAX_ANSWER_BYTES, fail);
  } catch (error) {
    if (error instanceof MeasurementError) throw error;
    // AbortSignal.timeout() aborts with a TimeoutError, while waiting for the answer or reading it.
    if ((error as Error).name === 'TimeoutError') throw fail(`did not answer within ${CONTROL_TIMEOUT_MS / 1000} s`);
    // fetch says only "fetch failed"; the socket error is its cause.
    throw fail(`did not answer: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail('answered what is not JSON');
  }
  const report = controlReportSchema.safeParse(value);
  if (!report.success) {
    const [first] = problemLines(report.error, { root: 'the body' });
    throw fail(`answered what is not the report of this version of the lab's server (${first})`);
  }
  return report.data;
}

/** The server's namespace, seen through its control endpoint: counts and counters, no socket list. */
export function controlProbe(controlUrl: string): Probe {
  return {
    side: 'server',
    local: false,
    ownNamespace: false,
    sockstat: async () => (await readControl(controlUrl)).sockstat,
    counters: async () => (await readControl(controlUrl)).kernel,
  };
}
