// The life of a TIME_WAIT socket, measured from one variant's samples of the socket table and the
// kernel's count of sockets that entered TIME_WAIT: the mean lifetime by Little's law, the drain's
// staircase (the kernel's timer wheel), and the plateau a steady load holds. Pure functions: the
// samples of a real run (test/fixtures) give the same figures as the run did.
//
// The kernel arms a 60 s timer per socket (TCP_TIMEWAIT_LEN, include/net/tcp.h), but its timer
// wheel files a timer that far ahead in a bucket of 8^level jiffies and fires the whole bucket at
// the bucket's end (kernel/time/timer.c, calc_index): a socket lives 60 s plus up to one step
// (2.048 s at HZ=250, 4.096 s at HZ=1000, 5.12 s at HZ=100), and a drain falls in steps that far apart.
import type { Sample } from '../observe/sampler.ts';
import { isRateLoad, type LoadSettings } from '../shapes/load-settings.ts';
import { formatCount } from '../shared/numbers.ts';

/** TCP_TIMEWAIT_LEN: the timer the kernel sets for each TIME_WAIT socket (include/net/tcp.h). */
export const TIME_WAIT_TIMER_MS = 60_000;
/** The coarsest step of the timer wheel for a 60 s timer among the usual kernels: HZ=100, 512 jiffies. */
export const COARSEST_STEP_MS = 5_120;
/** The mean lifetime less half a step is the timer only for sockets spread over this many steps or more. */
const MIN_STEPS_SPREAD = 10;
/** Drops this close together are one step of the drain: the fastest wheel (HZ=300) steps every 1.7 s. */
const SAME_STEP_MS = 500;

/** The client's TIME_WAIT in a sample: its namespace's own count (exact) when it has one, else the server port's (ss). */
export const clientTimeWait = (s: Sample): number => s.namespaces?.client?.tw ?? s.clientSide.timeWait ?? 0;

/**
 * The TIME_WAIT of the lab's connections in a sample, both sides: each namespace's own count when
 * each side has one (nothing else lives there), else the server port's sockets (ss).
 */
export const labTimeWait = (s: Sample): number =>
  s.namespaces ? (s.namespaces.client?.tw ?? 0) + (s.namespaces.server?.tw ?? 0) : (s.clientSide.timeWait ?? 0) + (s.serverSide.timeWait ?? 0);

/** ∫ count dt over the samples (trapezoids), in socket-milliseconds. */
function area(samples: Sample[], count: (s: Sample) => number): number {
  let sum = 0;
  for (let i = 1; i < samples.length; i++) sum += ((count(samples[i - 1]!) + count(samples[i]!)) / 2) * (samples[i]!.tMs - samples[i - 1]!.tMs);
  return sum;
}

/**
 * How far off a time read from the samples can be: the longest gap between two samples across which
 * the client's count changed (where it did not, nothing entered or left that the gap could hide).
 */
export function largestGapMs(samples: Sample[]): number {
  let gap = 0;
  for (let i = 1; i < samples.length; i++) {
    if (clientTimeWait(samples[i]!) !== clientTimeWait(samples[i - 1]!)) gap = Math.max(gap, samples[i]!.tMs - samples[i - 1]!.tMs);
  }
  return gap;
}

/**
 * Little's law over the whole run: the mean time a socket spent in TIME_WAIT is the area under the
 * count (socket-seconds) over the sockets that entered. Needs the count at 0 at the first sample and
 * again at the last (the drain), and the number that entered; else null. Each socket's entry and
 * exit are each off by at most half the gap around them, so the mean is off by at most the largest gap.
 */
export function meanLifetimeMs(samples: Sample[], entered: number | null): number | null {
  if (!entered || samples.length < 2) return null;
  if (clientTimeWait(samples[0]!) !== 0 || clientTimeWait(samples.at(-1)!) !== 0) return null;
  return area(samples, clientTimeWait) / entered;
}

/** When the client's TIME_WAIT first rose: the middle of the gap before the first sample that counts any. */
export function firstEntryMs(samples: Sample[]): number | null {
  const i = samples.findIndex((s) => clientTimeWait(s) > 0);
  if (i < 0) return null;
  return i === 0 ? samples[0]!.tMs : (samples[i - 1]!.tMs + samples[i]!.tMs) / 2;
}

/**
 * The steps of the drain: after `fromMs` (the end of the load: nothing enters any more), each time
 * the client's count fell, at the middle of the gap it fell in; falls in gaps less than 0.5 s apart
 * are one step (a bucket that straddles a sample).
 */
export function drainSteps(samples: Sample[], fromMs: number): number[] {
  const steps: number[] = [];
  let lastFall = -Infinity;
  for (let i = 1; i < samples.length; i++) {
    const [before, after] = [samples[i - 1]!, samples[i]!];
    if (before.tMs < fromMs || clientTimeWait(after) >= clientTimeWait(before)) continue;
    const at = (before.tMs + after.tMs) / 2;
    if (at - lastFall > SAME_STEP_MS) steps.push(at);
    lastFall = at;
  }
  return steps;
}

/**
 * The time between two steps of the drain: the timer wheel's granularity for a 60 s timer. An empty
 * bucket leaves a gap of two steps or more, so each gap counts as the whole number of steps nearest
 * to it in units of the median gap. Null with fewer than 3 steps.
 */
export function stepMs(steps: number[]): number | null {
  if (steps.length < 3) return null;
  const gaps = steps.slice(1).map((t, i) => t - steps[i]!);
  const median = gaps.toSorted((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
  const counted = gaps.reduce((n, gap) => n + Math.max(1, Math.round(gap / median)), 0);
  return (steps.at(-1)! - steps[0]!) / counted;
}

export interface Lifetime {
  /** Mean time a client-side socket spent in TIME_WAIT (Little's law); null when it cannot be measured. */
  lifetimeMs: number | null;
  /** The steps of the drain, apart by this much: the timer wheel's granularity; null with fewer than 3 steps. */
  stepMs: number | null;
  /** The timer itself: the mean lifetime less half a step, for sockets spread over 10 steps or more; else null. */
  timerMs: number | null;
  /** From the end of the load until no TIME_WAIT of the lab's was left (both sides); null when some was left at the last sample. */
  zeroAfterMs: number | null;
  /** How far the times are off at most: the largest gap between two samples across which the count changed. */
  accuracyMs: number;
}

/**
 * Everything the samples of one variant say about TIME_WAIT's life. `entered`: client-side sockets
 * that entered TIME_WAIT over the variant (TcpExt TW of the client's namespace), null when no count
 * of the client's own exists (loopback: the host's counter counts every program).
 */
export function lifetimeOf(samples: Sample[], loadEndedMs: number, entered: number | null): Lifetime {
  const lifetimeMs = meanLifetimeMs(samples, entered);
  const step = stepMs(drainSteps(samples, loadEndedMs));
  const first = firstEntryMs(samples);
  const spread = step !== null && first !== null && loadEndedMs - first >= MIN_STEPS_SPREAD * step;
  const zero = samples.find((s) => s.tMs >= loadEndedMs && labTimeWait(s) === 0);
  return {
    lifetimeMs: lifetimeMs === null ? null : Math.round(lifetimeMs),
    stepMs: step === null ? null : Math.round(step),
    timerMs: lifetimeMs !== null && spread ? Math.round(lifetimeMs - step / 2) : null,
    zeroAfterMs: zero ? Math.round(zero.tMs - loadEndedMs) : null,
    accuracyMs: largestGapMs(samples),
  };
}

export interface Plateau {
  /** Mean client-side TIME_WAIT over the window: the plateau. */
  mean: number;
  fromMs: number;
  toMs: number;
}

/**
 * The plateau of a load that outlasted TIME_WAIT: from the first entry plus the longest a socket
 * lives (60 s and one step; the coarsest step when the drain did not show it) until the load ended,
 * cut to a whole number of steps (the count is a sawtooth, a step long). Null when the load did
 * not last a step longer than that.
 */
export function plateauOf(samples: Sample[], loadEndedMs: number, step: number | null): Plateau | null {
  const first = firstEntryMs(samples);
  if (first === null) return null;
  const tooth = step ?? COARSEST_STEP_MS;
  const fromMs = first + TIME_WAIT_TIMER_MS + tooth;
  const steps = Math.floor((loadEndedMs - fromMs) / tooth);
  if (steps < 1) return null;
  const toMs = fromMs + steps * tooth;
  const inside = samples.filter((s) => s.tMs >= fromMs && s.tMs <= toMs);
  if (inside.length < 2) return null;
  const span = inside.at(-1)!.tMs - inside[0]!.tMs;
  return { mean: Math.round(area(inside, clientTimeWait) / span), fromMs: Math.round(fromMs), toMs: Math.round(toMs) };
}

/** A line across a chart of TIME_WAIT: the count a steady load holds, and the words that explain it (`300/s × 60 s`). */
export interface ExpectedPlateau {
  count: number;
  because: string;
}

/**
 * The plateau a rate that outlasts TIME_WAIT would hold with a connection per request, as the
 * charts draw it: rate × 60 s (the timer; the wheel adds up to a step); null for any other load,
 * and for a measurement's (none: its clients make the requests they make).
 */
export function expectedPlateau(load: LoadSettings | null): ExpectedPlateau | null {
  if (!load || !isRateLoad(load) || (load.requests / load.rate) * 1000 <= TIME_WAIT_TIMER_MS) return null;
  return { count: Math.round(load.rate * (TIME_WAIT_TIMER_MS / 1000)), because: `${formatCount(load.rate)}/s × ${TIME_WAIT_TIMER_MS / 1000} s` };
}
