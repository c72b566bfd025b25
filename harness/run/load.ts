// The load loop, run inside a client process: a fixed number of requests, in steady concurrency or
// in bursts, each timed into an HDR histogram (the one autocannon uses).
import * as hdr from 'hdr-histogram-js';
import type { FinishedLoad, LoadOutcome, LoadProgress } from '../scenario/client-protocol.ts';
import type { Client, LoadSettings } from '../scenario/contract.ts';

/** What a client that did not finish had done by its last progress report: no latencies. */
export function outcomeSoFar(progress: LoadProgress | undefined): LoadOutcome {
  const { done = 0, failed = 0, elapsedMs = 0, errorsByCode = {}, firstFailure = null } = progress ?? {};
  return { ok: done - failed, failed, errorsByCode, firstFailure, durationMs: elapsedMs };
}

/**
 * How long a variant may run before it is stopped as hung, unless the user says: 30 s to start and
 * drain, 10 ms a request (a hundred times what a request takes here), and the pauses between bursts.
 */
export function defaultTimeLimitMs(load: LoadSettings): number {
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

export async function runLoad(
  client: Client,
  load: LoadSettings,
  onProgress: (progress: LoadProgress) => void,
  progressEveryMs = 250,
): Promise<FinishedLoad> {
  // Microseconds, up to 60 s, 3 significant digits.
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const errorsByCode: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  let next = 0;
  let firstFailure: LoadOutcome['firstFailure'] = null;
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const timer = setInterval(() => onProgress({ done: ok + failed, failed, elapsedMs: elapsed(), errorsByCode, firstFailure }), progressEveryMs);

  const one = async () => {
    const number = ++next;
    const t0 = performance.now();
    try {
      const status = await client.request();
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
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
    while (next < load.requests) await one();
  };

  try {
    if (load.pattern === 'steady') {
      await Promise.all(Array.from({ length: Math.min(load.concurrency, load.requests) }, worker));
    } else {
      const pauses = Math.ceil(load.requests / load.concurrency) - 1;
      for (let burst = 0; next < load.requests; burst++) {
        await Promise.all(Array.from({ length: Math.min(load.concurrency, load.requests - next) }, one));
        const gap = burstGapMs(load, burst, pauses);
        if (gap > 0 && next < load.requests) await new Promise((r) => setTimeout(r, gap));
      }
    }
  } finally {
    clearInterval(timer);
  }
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    ok,
    failed,
    errorsByCode,
    firstFailure,
    durationMs: elapsed(),
    latencyMs: {
      p50: ms(histogram.getValueAtPercentile(50)),
      p90: ms(histogram.getValueAtPercentile(90)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: ms(histogram.mean),
    },
  };
}
