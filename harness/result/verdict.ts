// The one line that compares the misconfigured client with its fix; in a measurement (npm run
// measure), the first client with the others; and the line that says a run measured the open
// files limit instead (run/open-files.ts refuses the loads that would, before they start).
import type { VariantResult } from './schema.ts';
import { formatCount } from '../shared/numbers.ts';
import { openFilesLimit } from '../shapes/open-files-limit.ts';

const timeWaitOf = (v: VariantResult) => v.summary.timeWait.total.peak;

/** `interruptedDuring`: the variant that was running when the run was interrupted. */
export function verdict(variants: VariantResult[], interruptedDuring?: string): string {
  if (interruptedDuring) return `no verdict: the run was interrupted during variant ${interruptedDuring}`;
  const failed = variants.find((v) => v.failure);
  if (failed) return `no verdict: ${failed.role === 'measured' ? 'client' : 'variant'} ${failed.name} failed (${failed.failure!.message})`;
  if (variants.length > 0 && variants.every((v) => v.role === 'measured')) return measuredVerdict(variants);
  const bad = variants.find((v) => v.role === 'misconfigured');
  const good = variants.find((v) => v.role === 'fix');
  if (!bad || !good) return 'nothing to compare: the run needs a misconfigured variant and a fix';
  const connections = `the fix opened ${formatCount(good.summary.connectionsOpened)} connections instead of ${formatCount(bad.summary.connectionsOpened)}`;
  const [badTw, goodTw] = [timeWaitOf(bad), timeWaitOf(good)];
  let timeWait: string;
  if (badTw <= goodTw) timeWait = `TIME_WAIT did not drop (${formatCount(goodTw)} with the fix, ${formatCount(badTw)} without)`;
  else if (goodTw === 0) timeWait = `no TIME_WAIT sockets instead of ${formatCount(badTw)}`;
  else timeWait = `${formatCount(Math.round(badTw / goodTw))}x fewer TIME_WAIT sockets (${formatCount(goodTw)} instead of ${formatCount(badTw)})`;
  const [badFailed, goodFailed] = [bad.summary.requests.failed, good.summary.requests.failed];
  const first = bad.summary.requests.firstFailure;
  const when = first ? ` (the first, ${first.code}, at request ${formatCount(first.request)} after ${(first.tMs / 1000).toFixed(1)} s)` : '';
  const failures = badFailed > goodFailed ? `${formatCount(goodFailed)} failed requests instead of ${formatCount(badFailed)}${when}; ` : '';
  return `${failures}${connections}; ${timeWait}`;
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
const sides = (v: VariantResult) => `TIME_WAIT peak: client side ${formatCount(v.summary.timeWait.clientSide.peak)}, server side ${formatCount(v.summary.timeWait.serverSide.peak)}`;

/** `loop opened 60 connections for 60 requests (TIME_WAIT peak: ...); one opened 1 (...)`: the first client, then each other. */
function measuredVerdict([first, ...others]: VariantResult[]): string {
  const requests = (v: VariantResult) => v.summary.requests.total;
  return [
    `${first!.name} opened ${plural(first!.summary.connectionsOpened, 'connection')} for ${plural(requests(first!), 'request')} (${sides(first!)})`,
    ...others.map((v) => {
      const forRequests = requests(v) === requests(first!) ? '' : ` for ${plural(requests(v), 'request')}`;
      return `${v.name} opened ${formatCount(v.summary.connectionsOpened)}${forRequests} (${sides(v)})`;
    }),
  ].join('; ');
}

/** Codes of a request that failed for want of a file: this process's limit, or the system's (fs.file-max). */
const OUT_OF_FILES = ['EMFILE', 'ENFILE'];

interface FailedRequests {
  name: string;
  trials: { summary: { requests: { errorsByCode: Record<string, number> } } }[];
}

/**
 * Why the run measured the file limit rather than the scenario, in one line, or null: a client whose
 * requests failed with EMFILE or ENFILE in any trial (the server, at its limit, stops itself, which
 * fails its variant: servers/serve.ts).
 */
export function filesExhausted(variants: FailedRequests[], limit = openFilesLimit()): string | null {
  for (const variant of variants) {
    for (const { summary } of variant.trials) {
      const [code, count] = Object.entries(summary.requests.errorsByCode).find(([c]) => OUT_OF_FILES.includes(c)) ?? [];
      if (code === undefined) continue;
      const limitText = code === 'EMFILE' ? `the limit is ${formatCount(limit)} per process, ulimit -Hn` : "the system's limit, sysctl fs.file-max";
      return `the client of variant "${variant.name}" ran out of open files (${formatCount(count!)} requests failed with ${code}; ${limitText}): raise it or lower --concurrency or --requests`;
    }
  }
  return null;
}
