// Open files (file descriptors) per process: every TCP connection holds one on each side, in the
// client process and in the server process, and both inherit this process's limit
// (shapes/open-files-limit.ts). A load whose connections cannot all be open at once is refused
// before it starts (a run whose client ran out of files anyway is a failure of the lab:
// result/verdict.ts says so).
import { UsageError } from '../shared/errors.ts';
import { OWN_FILES, openFilesLimit } from '../shapes/open-files-limit.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import { formatCount } from '../shared/numbers.ts';

/** Requests in flight at once at a load's peak: never more than its requests. */
const inFlight = (load: Pick<LoadSettings, 'requests' | 'concurrency'>) => Math.min(load.concurrency, load.requests);

/**
 * Open files a client or server process needs at a load's peak: two per request in flight, since a
 * connection is still being closed when the next one opens (keepalive-disabled's client, the worst
 * case measured, holds 1.6 to 1.8 sockets per request in flight), plus its own.
 */
export const filesNeeded = (load: Pick<LoadSettings, 'requests' | 'concurrency'>) => 2 * inFlight(load) + OWN_FILES;

/** The most requests in flight under a rate unless the user says: as many as the limit holds (filesNeeded), up to this. */
export const MAX_IN_FLIGHT_DEFAULT_CAP = 5_000;

/** The cap on requests in flight under a rate when neither the user nor the scenario sets one: sized to the open files limit. */
export const defaultMaxInFlight = (limit = openFilesLimit()) => Math.max(1, Math.min(MAX_IN_FLIGHT_DEFAULT_CAP, Math.floor((limit - OWN_FILES) / 2)));

/**
 * Refuses a load whose connections cannot all be open at once under the limit, before anything
 * starts. `fromFlag`: the concurrency came from --concurrency or, under a rate, --max-in-flight
 * (else from the scenario).
 */
export function checkOpenFiles(scenario: string, load: LoadSettings, fromFlag: boolean, limit = openFilesLimit()): void {
  const needed = filesNeeded(load);
  if (needed <= limit) return;
  const flag = load.pattern === 'rate' ? '--max-in-flight' : '--concurrency';
  const what = fromFlag ? `${flag} ${formatCount(load.concurrency)}` : `${scenario}'s ${load.pattern === 'rate' ? 'cap on requests in flight' : 'concurrency'} of ${formatCount(load.concurrency)}`;
  // The next power of two with room to spare, as people write limits.
  const enough = 2 ** Math.ceil(Math.log2(needed));
  throw new UsageError(
    `${what} needs about ${formatCount(needed)} open files per process (two for each of ${formatCount(inFlight(load))} requests in flight, ${OWN_FILES} for the process itself) ` +
      `but the limit is ${formatCount(limit)} (ulimit -Hn); raise it (ulimit -n ${enough}) or lower ${flag}`,
  );
}
