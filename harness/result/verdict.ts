// The one line that compares the misconfigured client with its fix.
import type { VariantResult } from './schema.ts';

const n = (x: number) => x.toLocaleString('en-US');
const timeWaitOf = (v: VariantResult) => v.summary.timeWait.total.peak;

/** `interruptedDuring`: the variant that was running when the run was interrupted. */
export function verdict(variants: VariantResult[], interruptedDuring?: string): string {
  if (interruptedDuring) return `no verdict: the run was interrupted during variant ${interruptedDuring}`;
  const failed = variants.find((v) => v.failure);
  if (failed) return `no verdict: variant ${failed.name} failed (${failed.failure!.message})`;
  const bad = variants.find((v) => v.role === 'misconfigured');
  const good = variants.find((v) => v.role === 'fix');
  if (!bad || !good) return 'nothing to compare: the run needs a misconfigured variant and a fix';
  const connections = `the fix opened ${n(good.summary.connectionsOpened)} connections instead of ${n(bad.summary.connectionsOpened)}`;
  const [badTw, goodTw] = [timeWaitOf(bad), timeWaitOf(good)];
  let timeWait: string;
  if (badTw <= goodTw) timeWait = `TIME_WAIT did not drop (${n(goodTw)} with the fix, ${n(badTw)} without)`;
  else if (goodTw === 0) timeWait = `no TIME_WAIT sockets instead of ${n(badTw)}`;
  else timeWait = `${n(Math.round(badTw / goodTw))}x fewer TIME_WAIT sockets (${n(goodTw)} instead of ${n(badTw)})`;
  const [badFailed, goodFailed] = [bad.summary.requests.failed, good.summary.requests.failed];
  const first = bad.summary.requests.firstFailure;
  const when = first ? ` (the first, ${first.code}, at request ${n(first.request)} after ${(first.tMs / 1000).toFixed(1)} s)` : '';
  const failures = badFailed > goodFailed ? `${n(goodFailed)} failed requests instead of ${n(badFailed)}${when}; ` : '';
  return `${failures}${connections}; ${timeWait}`;
}
