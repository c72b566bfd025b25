// The load loop, run inside a client process: a fixed number of requests, in steady concurrency, in
// bursts (closed loops: each waits for its answer), or started at a rate on a fixed schedule (the
// open model, ./schedule.ts), each timed into an HDR histogram (the one autocannon uses).
import * as hdr from 'hdr-histogram-js';
import { runSchedule } from './schedule.ts';
import { FIRST_PROGRESS_MS, PROGRESS_EVERY_MS, type FinishedLoad, type LoadOutcome, type LoadProgress } from '../shapes/client-protocol.ts';
import { type Client } from '../scenario/contract.ts';
import { achievedRate, isRateLoad, type LoadSettings } from '../shapes/load-settings.ts';

/**
 * How long a variant may run before it is stopped as hung, unless the user says: 30 s to start and
 * drain, 10 ms a request (a hundred times what a request takes here), the pauses between bursts,
 * and under a rate the schedule's own length (requests / rate).
 */
export function defaultTimeLimitMs(load: LoadSettings): number {
  if (isRateLoad(load)) return 30_000 + load.requests * 10 + Math.ceil((load.requests * 1000) / load.rate);
  const pauses = load.pattern === 'bursts' ? Math.max(0, Math.ceil(load.requests / load.concurrency) - 1) : 0;
  // The pauses as runLoad takes them. They sweep evenly from burstGapMs − gapSpreadMs to
  // burstGapMs + gapSpreadMs, so their sum is pauses × burstGapMs while gapSpreadMs ≤ burstGapMs;
  // a wider spread makes the shortest ones 0 (burstGapMs() clamps), and the sum larger.
  let pausesMs = 0;
  for (let pause = 0; pause < pauses; pause++) pausesMs += burstGapMs(load, pause, pauses);
  return 30_000 + load.requests * 10 + Math.round(pausesMs);
}

/** Pause number `pause` (0-based) of `pauses` between bursts: see LoadSettings.gapSpreadMs. */
export function burstGapMs(load: LoadSettings, pause: number, pauses: number): number {
  const spread = load.gapSpreadMs ?? 0;
  const share = pauses > 1 ? pause / (pauses - 1) : 0.5;
  return Math.max(0, load.burstGapMs - spread + 2 * spread * share);
}

/** The error's code, or its cause's: fetch() rejects with "fetch failed" and the socket's error as its cause. */
function errorCode(error: unknown): string {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown };
  if (typeof code === 'string') return code;
  return cause === undefined ? 'UNKNOWN' : errorCode(cause);
}

/** Latencies in microseconds, up to 60 s, 3 significant digits. */
const latencyHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
type Histogram = ReturnType<typeof latencyHistogram>;

const ms = (us: number) => Math.round(us) / 1000;
const percentiles = (histogram: Histogram) => ({
  p50: ms(histogram.getValueAtPercentile(50)),
  p90: ms(histogram.getValueAtPercentile(90)),
  p99: ms(histogram.getValueAtPercentile(99)),
  max: ms(histogram.maxValue),
  mean: ms(histogram.mean),
});

export async function runLoad(
  client: Client,
  load: LoadSettings,
  onProgress: (progress: LoadProgress) => void,
  progressEveryMs = PROGRESS_EVERY_MS,
): Promise<FinishedLoad> {
  // Under a rate, latency runs from each request's scheduled start (corrected for coordinated
  // omission, as wrk2 does: a request that waited for the client is slow too), service time from its send.
  const latency = latencyHistogram();
  const service = isRateLoad(load) ? latencyHistogram() : null;
  const errorsByCode: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  let next = 0;
  let started = 0;
  let dropped = 0;
  let lastStartMs = 0;
  let peakInFlight = 0;
  let firstFailure: LoadOutcome['firstFailure'] = null;
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const rateProgress = () => (service ? { started, dropped } : {});
  const report = () => onProgress({ done: ok + failed, failed, elapsedMs: elapsed(), errorsByCode, firstFailure, ...rateProgress() });
  const first = setTimeout(report, Math.min(FIRST_PROGRESS_MS, progressEveryMs));
  const timer = setInterval(report, progressEveryMs);

  /** Sends request `number` (1-based), due at `dueMs` (performance.now()'s clock; default: now). */
  const one = async (number: number, dueMs?: number) => {
    const sentAt = performance.now();
    try {
      const status = await client.request();
      const end = performance.now();
      latency.recordValue(Math.max(1, Math.round((end - (dueMs ?? sentAt)) * 1000)));
      service?.recordValue(Math.max(1, Math.round((end - sentAt) * 1000)));
      if (status >= 200 && status < 400) {
        ok++;
        return;
      }
      throw Object.assign(new Error(`HTTP ${status}`), { code: `HTTP_${status}` });
    } catch (error) {
      const code = errorCode(error);
      failed++;
      errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      firstFailure ??= { request: number, tMs: elapsed(), code };
    }
  };
  const worker = async () => {
    while (next < load.requests) await one(++next);
  };

  try {
    if (isRateLoad(load)) {
      // The cap: a request whose slot comes while `concurrency` are in flight is dropped, counted,
      // never sent late (k6 counts such iterations as dropped_iterations).
      const inFlight = new Set<Promise<void>>();
      await runSchedule(
        load.rate,
        load.requests,
        (slot, dueMs) => {
          if (inFlight.size >= load.concurrency) {
            dropped++;
            return;
          }
          started++;
          lastStartMs = performance.now() - start;
          const request: Promise<void> = one(slot + 1, dueMs).finally(() => inFlight.delete(request));
          inFlight.add(request);
          peakInFlight = Math.max(peakInFlight, inFlight.size);
        },
        start,
      );
      await Promise.all(inFlight);
    } else if (load.pattern === 'steady') {
      await Promise.all(Array.from({ length: Math.min(load.concurrency, load.requests) }, worker));
    } else {
      const pauses = Math.ceil(load.requests / load.concurrency) - 1;
      for (let burst = 0; next < load.requests; burst++) {
        await Promise.all(Array.from({ length: Math.min(load.concurrency, load.requests - next) }, () => one(++next)));
        const gap = burstGapMs(load, burst, pauses);
        if (gap > 0 && next < load.requests) await new Promise((r) => setTimeout(r, gap));
      }
    }
  } finally {
    clearTimeout(first);
    clearInterval(timer);
  }
  return {
    ok,
    failed,
    errorsByCode,
    firstFailure,
    durationMs: elapsed(),
    latencyMs: percentiles(latency),
    ...(service &&
      isRateLoad(load) && {
        rate: { askedPerSec: load.rate, achievedPerSec: achievedRate(load, started, lastStartMs), dropped, peakInFlight },
        serviceTimeMs: percentiles(service),
      }),
  };
}
