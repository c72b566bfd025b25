// How a client that did not finish is reported: over its time limit, stopped by the run (its
// server exited, the run was interrupted), or ended on its own.
import { VariantFailure } from '../shared/errors.ts';
import { howItEnded } from '../process/tracked.ts';

/** `what` names the client ("the client of variant "bad""); `signal` is the one the run stops it with. */
export function clientFailure(error: unknown, what: string, variant: string, timeLimitMs: number, signal?: AbortSignal): VariantFailure {
  if (signal?.aborted && signal.reason instanceof VariantFailure) return signal.reason;
  if ((error as { timedOut?: boolean }).timedOut) {
    return new VariantFailure('time-limit', `variant "${variant}" did not finish within its time limit of ${timeLimitMs / 1000} s (raise it with --time-limit-s)`);
  }
  return new VariantFailure('client-exited', `${what} ${howItEnded(error)}`);
}
