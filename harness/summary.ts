// Turns what one variant produced (the client's outcome, the server's count, the samples and the
// kernel counter deltas) into the variant's summary: the figures the result file promises.
import type { LoadOutcome } from './load.ts';
import type { KernelCounters } from './proc-net.ts';
import type { Sample } from './sampler.ts';
import type { ServerStats } from '../servers/http-server.ts';
import type { SocketState } from './ss-parse.ts';
import type { VariantSummary } from './result-schema.ts';

function peak(samples: Sample[], count: (s: Sample) => number): number {
  return samples.reduce((max, s) => Math.max(max, count(s)), 0);
}

const side = (s: Sample, which: 'clientSide' | 'serverSide', state: SocketState) => s[which][state] ?? 0;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarise(
  requested: number,
  outcome: LoadOutcome,
  server: ServerStats,
  samples: Sample[],
  kernel: KernelCounters,
): VariantSummary {
  const last = samples.at(-1);
  return {
    requests: {
      total: requested,
      ok: outcome.ok,
      failed: outcome.failed,
      errorsByCode: outcome.errorsByCode,
      firstFailure: outcome.firstFailure,
    },
    connectionsOpened: server.connectionsAccepted,
    connectionsPerRequest: round(server.connectionsAccepted / requested, 4),
    requestsServed: server.requestsServed,
    connectionsReset: server.connectionsReset,
    timeWait: {
      clientSide: { peak: peak(samples, (s) => side(s, 'clientSide', 'timeWait')), atEnd: last ? side(last, 'clientSide', 'timeWait') : 0 },
      serverSide: { peak: peak(samples, (s) => side(s, 'serverSide', 'timeWait')), atEnd: last ? side(last, 'serverSide', 'timeWait') : 0 },
      total: { peak: peak(samples, (s) => side(s, 'clientSide', 'timeWait') + side(s, 'serverSide', 'timeWait')) },
    },
    established: {
      peak: peak(samples, (s) => side(s, 'clientSide', 'established')),
      clientSide: { peak: peak(samples, (s) => side(s, 'clientSide', 'established')) },
      serverSide: { peak: peak(samples, (s) => side(s, 'serverSide', 'established')) },
    },
    reqPerSec: round(outcome.durationMs > 0 ? (outcome.ok * 1000) / outcome.durationMs : 0, 1),
    durationMs: Math.round(outcome.durationMs),
    latencyMs: outcome.latencyMs,
    kernel,
    clientCounters: outcome.clientCounters ?? {},
    samplesTaken: samples.length,
  };
}
