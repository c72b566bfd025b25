// The options that change how a scenario runs (requests, concurrency, a rate, ..., repeat): the
// scenario CLI takes them, and the workshop passes them on to every run it starts, checked the same
// way. A measurement (npm run measure) takes those that do not set a load (addTrialOptions).
import { Option, type Command } from 'commander';
import { DEFAULT_INTERVAL_MS } from '../observe/sampling-interval.ts';
import { positiveNumber, wholeNumber } from './number-arguments.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import type { SettingOverrides } from '../run/settings.ts';
import { UsageError } from '../shared/errors.ts';
import { formatCount } from '../shared/numbers.ts';
import { MAX_BODY_BYTES } from '../shapes/server-settings.ts';

/** The most each option accepts: bounded, so that no run asks for more than a machine can give. */
export const LIMITS = {
  requests: 200_000,
  concurrency: 5_000,
  rate: 50_000,
  durationS: 3_600,
  bodyBytes: MAX_BODY_BYTES,
  intervalMs: 60_000,
  timeLimitS: 3_600,
  repeat: 100,
};

export function addLoadOptions(program: Command): Command {
  program
    .option('--requests <n>', "requests per variant; with a rate, requests / rate is the duration (default: the scenario's)", wholeNumber(1, LIMITS.requests))
    .option(
      '--concurrency <n>',
      "closed loops: requests in flight, or burst size, as far as the open files limit allows (default: the scenario's); not with a rate, where --max-in-flight caps them",
      wholeNumber(1, LIMITS.concurrency),
    )
    .option(
      '--rate <n>',
      "open model: start <n> requests a second on a fixed schedule, whether earlier ones were answered or not (default: the scenario's, if it declares one)",
      wholeNumber(1, LIMITS.rate),
    )
    .addOption(
      new Option('--duration <s>', 'with a rate: seconds of load, so requests = rate × duration (instead of --requests)')
        .argParser(positiveNumber(LIMITS.durationS, 'seconds', '4 or 0.5'))
        .conflicts('requests'),
    )
    .option(
      '--max-in-flight <n>',
      "with a rate: the most requests in flight at once (concurrency means nothing else in the open model); a request whose time comes while that many are in flight is dropped and counted, never sent late (default: a rate scenario's concurrency, else as many as the open files limit allows, up to 5,000)",
      wholeNumber(1, LIMITS.concurrency),
    )
    .option('--body-bytes <n>', "size of each response body (default: the scenario's)", wholeNumber(0, LIMITS.bodyBytes));
  return addTrialOptions(program, {
    timeLimitDefault: 'default: 30 s + 10 ms per request + the pauses between bursts, or the duration under a rate',
    each: 'variant',
  });
}

/** Sampling, the time limit (`timeLimitDefault` says its default) and the trials of `each` variant (or client). */
export function addTrialOptions(program: Command, { timeLimitDefault, each }: { timeLimitDefault: string; each: string }): Command {
  return program
    .option('--interval-ms <n>', 'time between two samples of the socket table', wholeNumber(10, LIMITS.intervalMs), DEFAULT_INTERVAL_MS)
    .option('--time-limit-s <n>', `stop a ${each} that runs longer, as failed (${timeLimitDefault})`, wholeNumber(1, LIMITS.timeLimitS))
    .option('--repeat <n>', `trials per ${each}, each on a fresh server and port; the summary holds medians`, wholeNumber(1, LIMITS.repeat), 1)
    .option('--drain', `after each ${each}'s load, sample on until TIME_WAIT is back to zero (at most 75 s): the drain, and the measured lifetime of TIME_WAIT (default: off, or as a scenario's variant says)`)
    .option('--no-drain', 'stop sampling half a second after each load, also where a variant asks for a drain');
}

/**
 * Refuses load options that contradict each other or the scenario's load, in one line: the closed
 * loop's --concurrency under a rate, --max-in-flight or --duration without one, a rate × duration
 * beyond the request limit.
 */
export function checkLoadOptions(declared: LoadSettings, o: SettingOverrides): void {
  const rate = o.rate ?? declared.rate;
  const whose = o.rate === undefined ? "the scenario's rate" : '--rate';
  if (rate === undefined) {
    if (o.maxInFlight !== undefined) {
      throw new UsageError('--max-in-flight caps requests in flight under a rate; give --rate too (without a rate, --concurrency sets the requests in flight)');
    }
    if (o.duration !== undefined) throw new UsageError('--duration is the length of a load under a rate; give --rate too (without a rate, the load is a count: --requests)');
    return;
  }
  if (o.concurrency !== undefined) {
    throw new UsageError(
      `--concurrency has no meaning with ${whose}: requests start on a schedule, whether earlier ones were answered or not; cap those in flight with --max-in-flight`,
    );
  }
  if (o.duration !== undefined) {
    const requests = Math.round(rate * o.duration);
    if (requests < 1 || requests > LIMITS.requests) {
      throw new UsageError(
        `${whose} ${formatCount(rate)} a second for --duration ${o.duration} s makes ${formatCount(requests)} requests; ` +
          `a run takes from 1 to ${formatCount(LIMITS.requests)} requests (rate × duration)`,
      );
    }
  }
}
