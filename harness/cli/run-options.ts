// The options that change how a scenario runs (requests, concurrency, ..., repeat): the scenario CLI
// takes them, and the workshop passes them on to every run it starts, checked the same way.
import type { Command } from 'commander';
import { DEFAULT_INTERVAL_MS } from '../observe/sampler.ts';
import { wholeNumber } from './number-arguments.ts';
import { MAX_BODY_BYTES } from '../../servers/settings.ts';

/** The most each option accepts: bounded, so that no run asks for more than a machine can give. */
export const LIMITS = { requests: 200_000, concurrency: 5_000, bodyBytes: MAX_BODY_BYTES, intervalMs: 60_000, timeLimitS: 3_600, repeat: 100 };

export function addLoadOptions(program: Command): Command {
  return program
    .option('--requests <n>', "requests per variant (default: the scenario's)", wholeNumber(1, LIMITS.requests))
    .option('--concurrency <n>', "requests in flight, or burst size, as far as the open files limit allows (default: the scenario's)", wholeNumber(1, LIMITS.concurrency))
    .option('--body-bytes <n>', "size of each response body (default: the scenario's)", wholeNumber(0, LIMITS.bodyBytes))
    .option('--interval-ms <n>', 'time between two samples of the socket table', wholeNumber(10, LIMITS.intervalMs), DEFAULT_INTERVAL_MS)
    .option('--time-limit-s <n>', 'stop a variant that runs longer, as failed (default: 30 s + 10 ms per request + the pauses between bursts)', wholeNumber(1, LIMITS.timeLimitS))
    .option('--repeat <n>', 'trials per variant, each on a fresh server and port; the summary holds medians', wholeNumber(1, LIMITS.repeat), 1);
}
