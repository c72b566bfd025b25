// A target's counts (a server the lab did not start, `--target`) followed while a variant runs,
// through its control endpoint (stage/control-endpoint.ts). The lab's own server pushes its counts
// when they change instead.
import { MeasurementError } from '../shared/errors.ts';
import type { ServerStats } from '../shapes/server-protocol.ts';

/**
 * A target's counts, asked for every 250 ms through its control endpoint: a target that fails
 * leaves the last ones it gave; a control endpoint that does not answer in time, or answers
 * nonsense, goes to `onFailure` at once. (The lab's own server pushes its counts when they change:
 * Stage.server.lastCounts.)
 */
export function followTargetCounts(server: { stats(): Promise<ServerStats | null> }, onFailure: (error: MeasurementError) => void) {
  let last: ServerStats | null = null;
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    server
      .stats()
      .then(
        (stats) => (last = stats),
        (error: unknown) => error instanceof MeasurementError && onFailure(error),
      )
      .finally(() => (asking = false));
  }, 250);
  return {
    get last() {
      return last;
    },
    stop: () => clearInterval(timer),
  };
}
