// The one line that compares the misconfigured client with its fix.
import type { VariantResult } from './schema.ts';
import { formatCount } from '../shared/numbers.ts';

const timeWaitOf = (v: VariantResult) => v.summary.timeWait.total.peak;

/** `interruptedDuring`: the variant that was running when the run was interrupted. */
export function verdict(variants: VariantResult[], interruptedDuring?: string): string {
  if (interruptedDuring) return `no verdict: the run was interrupted during variant ${interruptedDuring}`;
  const failed = variants.find((v) => v.failure);
  if (failed) return `no verdict: variant ${failed.name} failed (${failed.failure!.message})`;
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
