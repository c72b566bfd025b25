// The drain: after a variant's load, its sampler goes on until the lab's TIME_WAIT is back to zero,
// so that the whole life of the sockets is seen (and measured: harness/result/time-wait.ts); bounded.
import type { Sample } from '../observe/sampler.ts';
import { labTimeWait } from '../result/time-wait.ts';

/** Follows a variant's samples as they are taken, for a drain to wait on. */
export function drainWatch() {
  const waiting = new Set<(sample: Sample) => void>();
  return {
    /** Give it each sample as the sampler takes it. */
    see(sample: Sample): void {
      for (const check of waiting) check(sample);
    },
    /**
     * Resolves true with the first sample taken at `fromMs` or later (on the samples' clock) that
     * counts no TIME_WAIT on either side; false after `limitMs`, or at once when `signal` aborts.
     */
    until(fromMs: number, limitMs: number, signal: AbortSignal): Promise<boolean> {
      return new Promise((resolve) => {
        const done = (drained: boolean) => {
          waiting.delete(check);
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(drained);
        };
        const check = (sample: Sample) => {
          if (sample.tMs >= fromMs && labTimeWait(sample) === 0) done(true);
        };
        const onAbort = () => done(false);
        const timer = setTimeout(() => done(false), limitMs);
        waiting.add(check);
        signal.addEventListener('abort', onAbort);
        if (signal.aborted) onAbort();
      });
    },
  };
}
