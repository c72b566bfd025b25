// The one line that compares the misconfigured client with its fix; in a measurement (npm run
// measure), the first client with the others.
import type { VariantResult } from './schema.ts';
import { formatCount } from '../shared/numbers.ts';

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
