// The options that change how a scenario runs (requests, concurrency, a rate, ..., repeat): the
// scenario CLI takes them, and the workshop passes them on to every run it starts, checked the same
// way (run/plan.ts). A measurement (npm run measure) takes those that do not set a load (addTrialOptions).
import { Option, type Command } from 'commander';
import { DEFAULT_INTERVAL_MS } from '../observe/sampling-interval.ts';
import { positiveNumber, wholeNumber } from './number-arguments.ts';
import { LIMITS } from '../run/settings.ts';


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
    .option('--body-bytes <n>', "size of each response body (default: the scenario's)", wholeNumber(0, LIMITS.bodyBytes))
    .option('--tls', "serve HTTPS with a certificate made for the run, whose CA the clients trust (default: the scenario's)")
    .option('--http2', "with --tls: offer HTTP/2 by ALPN, HTTP/1.1 to clients that do not ask for it (default: the scenario's)");
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
