// How a variant's client and the lab talk, one declaration for every kind of client. A Node client
// process gets its job as its first IPC message; a client that is another program (clients/go) gets
// the load as flags (loadFlags). Both report the same messages, a Node client over IPC, a program as
// one JSON object per line on stdout:
//   {"type":"progress","done":N,"failed":N,"elapsedMs":N} while it runs, then once
//   {"type":"done","ok":N,"failed":N,"errorsByCode":{...},"firstFailure":null|{...},"durationMs":N,
//    "latencyMs":{"p50":N,"p90":N,"p99":N,"max":N,"mean":N}}.
import { z } from 'zod';
import type { ClientContext, LoadSettings } from './contract.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();
const errorsByCode = z.record(z.string(), count);
/** The first failed request (1-based number, time since start, code), if any failed. */
const firstFailure = z.strictObject({ request: count, tMs: ms, code: z.string() }).nullable();
const latencyMs = z.strictObject({ p50: ms, p90: ms, p99: ms, max: ms, mean: ms });

/** What a client has done so far. */
export const loadProgressSchema = z.strictObject({
  done: count,
  failed: count,
  elapsedMs: ms,
  /** So far; a client that reports them lets a variant that fails keep its failures by code. */
  errorsByCode: errorsByCode.optional(),
  firstFailure: firstFailure.optional(),
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
  clientCounters: z.record(z.string(), count).optional(),
});
export type LoadOutcome = z.infer<typeof loadOutcomeSchema>;

// A client that is done has its latencies.
const doneMessageSchema = loadOutcomeSchema.extend({ type: z.literal('done'), latencyMs });
/** The outcome of a load that ran to its end. */
export type FinishedLoad = Omit<z.infer<typeof doneMessageSchema>, 'type'>;

const clientMessageSchema = z.discriminatedUnion('type', [loadProgressSchema.extend({ type: z.literal('progress') }), doneMessageSchema]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** A message from a client, checked: its progress, or its outcome once it is done; null when it is neither. */
export function readClientMessage(value: unknown): { progress: LoadProgress } | { outcome: FinishedLoad } | null {
  const parsed = clientMessageSchema.safeParse(value);
  if (!parsed.success) return null;
  if (parsed.data.type === 'progress') {
    const { type: _type, ...progress } = parsed.data;
    return { progress };
  }
  const { type: _type, ...outcome } = parsed.data;
  return { outcome };
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
  ];
}
