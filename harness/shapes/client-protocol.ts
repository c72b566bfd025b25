// How a variant's client and the lab talk, one declaration for every kind of client. A Node client
// process gets its job as its first IPC message; a client that is another program (clients/go) gets
// the load as flags (loadFlags). Both report the same messages, a Node client over IPC, a program as
// one JSON object per line on stdout:
//   {"type":"progress","done":N,"failed":N,"elapsedMs":N} at 250 ms, then every second while it runs ("total":N optional), then once
//   {"type":"done","ok":N,"failed":N,"errorsByCode":{...},"firstFailure":null|{...},"durationMs":N,
//    "latencyMs":{"p50":N,"p90":N,"p99":N,"max":N,"mean":N}}.
// Under a rate (the open model) progress also says "started" and "dropped", and the outcome adds
// "rate":{"askedPerSec":N,"achievedPerSec":N,"dropped":N,"peakInFlight":N} and "serviceTimeMs" (latencies from the
// actual send), its "latencyMs" then being measured from each request's scheduled start.
import { z } from 'zod';
import type { ClientContext, LoadSettings } from './load-settings.ts';
import { problemLines } from './zod.ts';

/**
 * How often the lab's clients (Node, Go, Python) report progress: the first report early, then one
 * a second. Each report wakes the harness, 0.3 to 1 ms of its CPU on a small VM beside the load it
 * measures (npm run bench, harness part); the live view and the plain milestones need no finer
 * steps. The early one tells how far a client got when its variant fails within its first second
 * (a fault stops the client; its last report is what the result keeps).
 */
export const FIRST_PROGRESS_MS = 250;
export const PROGRESS_EVERY_MS = 1000;

/**
 * The largest count a client may report: a million requests a second for eleven days. Sums of
 * counts (ok + failed, over --repeat trials) stay far below 2^53, where a double stops counting
 * whole numbers.
 */
export const MAX_CLIENT_COUNT = 1e12;
/** The most counters a client may keep (clientCounters), and the form of their names (a figure's path: `clientCounters.<name>`). */
export const MAX_CLIENT_COUNTERS = 100;
export const COUNTER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** The longest line a program client's protocol line may be: a done line with every counter fits in a tenth of it. */
export const MAX_PROTOCOL_LINE_CHARS = 64 * 1024;

const COUNT_RULE = `a count: a whole number from 0 to ${MAX_CLIENT_COUNT.toExponential()}`;
const count = z.number(COUNT_RULE).int(COUNT_RULE).nonnegative(COUNT_RULE).max(MAX_CLIENT_COUNT, COUNT_RULE);
const ms = z.number().nonnegative();
const errorsByCode = z.record(z.string().max(64, 'an error code: at most 64 characters'), count).refine(
  (codes) => Object.keys(codes).length <= MAX_CLIENT_COUNTERS,
  `at most ${MAX_CLIENT_COUNTERS} error codes`,
);
/** The first failed request (1-based number, time since start, code), if any failed. */
const firstFailure = z.strictObject({ request: count, tMs: ms, code: z.string() }).nullable();
const latencyMs = z.strictObject({ p50: ms, p90: ms, p99: ms, max: ms, mean: ms });

/** Under a rate: what was asked, what the client kept up, and the requests it did not start. */
export const rateOutcomeSchema = z.strictObject({
  askedPerSec: z.number().positive(),
  /** Requests started per second: started / the longer of the schedule and the time to the last start. */
  achievedPerSec: z.number().nonnegative(),
  /** Requests not started because the cap on requests in flight was reached at their scheduled time. */
  dropped: count,
  /** The most requests in flight at once: how close the load came to its cap. */
  peakInFlight: count,
});
export type RateOutcome = z.infer<typeof rateOutcomeSchema>;

/** What a client has done so far. */
export const loadProgressSchema = z.strictObject({
  done: count,
  failed: count,
  elapsedMs: ms,
  /**
   * The requests the client means to send in all, if it says: a measured client (npm run measure)
   * that does gets a progress bar. The lab's own clients leave it out: the run's load says it.
   */
  total: count.optional(),
  /** So far; a client that reports them lets a variant that fails keep its failures by code. */
  errorsByCode: errorsByCode.optional(),
  firstFailure: firstFailure.optional(),
  /** Under a rate: requests started so far (done + in flight), and those dropped. */
  started: count.optional(),
  dropped: count.optional(),
});
export type LoadProgress = z.infer<typeof loadProgressSchema>;

/** What a client did, once it is done (or, without latencies, what one that did not finish had done). */
export const loadOutcomeSchema = z.strictObject({
  ok: count,
  failed: count,
  errorsByCode,
  firstFailure,
  durationMs: ms,
  /** Absent when the client did not finish (a failed variant): its last progress report has none. */
  latencyMs: latencyMs.optional(),
  /** Counts the client keeps itself (Client.counters), e.g. DNS lookups. */
  clientCounters: z
    .record(z.string().regex(COUNTER_NAME, 'a counter name: a letter, then letters, digits, _ or -, at most 64'), count)
    .refine((counters) => Object.keys(counters).length <= MAX_CLIENT_COUNTERS, `at most ${MAX_CLIENT_COUNTERS} counters`)
    .optional(),
  /** Under a rate only. */
  rate: rateOutcomeSchema.optional(),
  /** Under a rate only: latencies from the actual send, while latencyMs runs from the scheduled start. */
  serviceTimeMs: latencyMs.optional(),
});
export type LoadOutcome = z.infer<typeof loadOutcomeSchema>;

// A client that is done has its latencies.
const doneMessageSchema = loadOutcomeSchema.extend({ type: z.literal('done'), latencyMs });
/** The outcome of a load that ran to its end. */
export type FinishedLoad = Omit<z.infer<typeof doneMessageSchema>, 'type'>;

const clientMessageSchema = z.discriminatedUnion('type', [loadProgressSchema.extend({ type: z.literal('progress') }), doneMessageSchema]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

type ClientReport = { progress: LoadProgress } | { outcome: FinishedLoad };

/** A message from a client, checked: its progress, or its outcome once it is done; else the first thing wrong with it (`field: what is accepted`). */
export function checkClientMessage(value: unknown): ClientReport | { problem: string } {
  const parsed = clientMessageSchema.safeParse(value);
  if (!parsed.success) {
    const [problem] = problemLines(parsed.error, { root: 'the message' });
    return { problem: problem! };
  }
  if (parsed.data.type === 'progress') {
    const { type: _type, ...progress } = parsed.data;
    return { progress };
  }
  const { type: _type, ...outcome } = parsed.data;
  return { outcome };
}

/** A message from a client, checked: its progress, or its outcome once it is done; null when it is neither. */
export function readClientMessage(value: unknown): ClientReport | null {
  const checked = checkClientMessage(value);
  return 'problem' in checked ? null : checked;
}

/** Whether a line a program printed is meant as a protocol line: it starts with `{` and holds "type". Any other costs no parse. */
export const looksLikeProtocolLine = (line: string): boolean => line.startsWith('{') && line.includes('"type"');

/** A line a program client printed on stdout, read as a message; null when it is none (not JSON, or not the protocol's). */
export function readClientLine(line: string): ReturnType<typeof readClientMessage> {
  try {
    return readClientMessage(JSON.parse(line));
  } catch {
    return null;
  }
}

/** What a Node client process is asked to run: one variant of one scenario, against `url`. */
export interface ClientJob {
  scenario: string;
  variant: string;
  url: string;
  load: LoadSettings;
}

/** The flags every program client takes: the load, spelled as LoadSettings names it. */
export function loadFlags({ url, load }: ClientContext): string[] {
  return [
    '-url', url,
    '-requests', String(load.requests),
    '-concurrency', String(load.concurrency),
    '-pattern', load.pattern,
    '-burst-gap-ms', String(load.burstGapMs),
    '-gap-spread-ms', String(load.gapSpreadMs ?? 0),
    ...(load.rate === undefined ? [] : ['-rate', String(load.rate)]),
  ];
}
