// Whether a load under a rate held it, in words: shared by the progress lines, the live view, the
// terminal report and the HTML report.
import type { RateOutcome } from '../shapes/client-protocol.ts';
import { variantLoad, type Result } from '../result/schema.ts';
import { formatCount } from '../shared/numbers.ts';

/** How far below the asked rate the achieved one may fall and still have held it: late starts at the end of a short run on a busy machine. */
export const RATE_HELD_WITHIN = 0.05;

/** The rate held: no request dropped, and requests started at least 95% as fast as asked. */
export const rateHeld = (rate: Pick<RateOutcome, 'askedPerSec' | 'achievedPerSec' | 'dropped'>) =>
  rate.dropped === 0 && rate.achievedPerSec >= (1 - RATE_HELD_WITHIN) * rate.askedPerSec;

const asked = (x: number) => (Number.isInteger(x) ? formatCount(x) : x.toFixed(1));
const percent = (share: number) => `${Math.floor(share * 100)}%`;

/** `299.2 of 300 requests/s started, none dropped`: the figures, without the verdict. */
export function rateFigures(rate: Pick<RateOutcome, 'askedPerSec' | 'achievedPerSec' | 'dropped'>): string {
  const share = rate.achievedPerSec / rate.askedPerSec;
  const started = `${rate.achievedPerSec.toFixed(1)} of ${asked(rate.askedPerSec)} requests/s started${share < 1 - RATE_HELD_WITHIN ? ` (${percent(share)})` : ''}`;
  return `${started}, ${rate.dropped === 0 ? 'none' : formatCount(rate.dropped)} dropped`;
}

/** `rate held: 299.2 of 300 requests/s started, none dropped (...)`: see rateVerdict. */
export const rateSentence = (rate: RateOutcome, cap: number) => `rate ${rateVerdict(rate, cap)}`;

/**
 * `held: 299.2 of 300 requests/s started, none dropped (at most 11 in flight at once)`, or `NOT
 * held: ...` with why: the cap on requests in flight (`cap`) dropped some, or the client fell behind.
 */
export function rateVerdict(rate: RateOutcome, cap: number): string {
  if (rateHeld(rate)) return `held: ${rateFigures(rate)} (at most ${formatCount(rate.peakInFlight)} in flight at once)`;
  const why =
    rate.dropped > 0
      ? `the cap of ${formatCount(cap)} requests in flight was reached when their time came (answers slower than the rate; --max-in-flight raises the cap)`
      : 'the client could not start requests on time (a busy machine, or a rate beyond what one client process can start)';
  return `NOT held: ${rateFigures(rate)}: ${why}`;
}

/** One line per variant of a run under a rate: whether it held its rate. None for closed loops. */
export function formatRates(result: Result): string[] {
  return result.variants.flatMap((v) => {
    const load = variantLoad(result.params, v.name);
    return v.summary.rate && load ? [`  ${v.name}: ${rateSentence(v.summary.rate, load.concurrency)}.`] : [];
  });
}
