// Turns what one variant produced (the client's outcome, the server's count, the samples and the
// kernel counter deltas) into the variant's summary: the figures the result file promises.
import type { LoadOutcome, LoadProgress } from '../shapes/client-protocol.ts';
import { achievedRate, isRateLoad, type LoadSettings } from '../shapes/load-settings.ts';
import { counterSum, type KernelCounters } from '../shapes/proc-net.ts';
import type { NamespacePeaks, Sample } from '../observe/sampler.ts';
import type { SideCounters } from '../observe/probes.ts';
import type { ServerStats } from '../shapes/server-protocol.ts';
import type { SocketState } from '../observe/ss-parse.ts';
import type { VariantSummary } from './schema.ts';
import { lifetimeOf, plateauOf } from './time-wait.ts';
import { serverCost } from './server-cost.ts';

function peak(samples: Sample[], count: (s: Sample) => number): number {
  return samples.reduce((max, s) => Math.max(max, count(s)), 0);
}

const side = (s: Sample, which: 'clientSide' | 'serverSide', state: SocketState) => s[which][state] ?? 0;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarise(
  requested: number,
  outcome: LoadOutcome,
  /** The server's own counts; connectionsReset is missing where nobody counted it (a --target without control endpoint). */
  server: Omit<ServerStats, 'connectionsReset'> & Partial<Pick<ServerStats, 'connectionsReset'>>,
  samples: Sample[],
  kernel: KernelCounters,
  /** Per side, when each side had a namespace of its own: its counter deltas and its sockstat peaks. */
  sides: { kernel: SideCounters; peaks: NamespacePeaks } = { kernel: {}, peaks: {} },
  /** When the load ended on the samples' clock, and whether sampling went on after it until TIME_WAIT was gone (or the drain's limit). */
  time: { loadEndedMs: number; drained: boolean } = { loadEndedMs: samples.at(-1)?.tMs ?? 0, drained: false },
): VariantSummary {
  const { client, server: serverKernel } = sides.kernel;
  const last = samples.at(-1);
  // Only a namespace of the client's own counts its sockets alone: the host's counter counts every program.
  const entered = client?.timeWaitEntered ?? null;
  const life = lifetimeOf(samples, time.loadEndedMs, entered);
  const plateau = plateauOf(samples, time.loadEndedMs, life.stepMs);
  const newConnectionsPerSec = outcome.durationMs > 0 ? server.connectionsAccepted / (outcome.durationMs / 1000) : 0;
  const expected = plateau && life.lifetimeMs !== null ? newConnectionsPerSec * (life.lifetimeMs / 1000) : null;
  return {
    requests: {
      total: requested,
      ok: outcome.ok,
      failed: outcome.failed,
      errorsByCode: outcome.errorsByCode,
      firstFailure: outcome.firstFailure,
    },
    connectionsOpened: server.connectionsAccepted,
    // Over the requests made: all of them, or those made before a failed variant stopped; none, no ratio.
    connectionsPerRequest: outcome.ok + outcome.failed > 0 ? round(server.connectionsAccepted / (outcome.ok + outcome.failed), 4) : null,
    requestsServed: server.requestsServed,
    connectionsReset: server.connectionsReset ?? null,
    ...serverCost(server),
    timeWait: {
      clientSide: { peak: peak(samples, (s) => side(s, 'clientSide', 'timeWait')), atEnd: last ? side(last, 'clientSide', 'timeWait') : 0 },
      serverSide: { peak: peak(samples, (s) => side(s, 'serverSide', 'timeWait')), atEnd: last ? side(last, 'serverSide', 'timeWait') : 0 },
      total: { peak: peak(samples, (s) => side(s, 'clientSide', 'timeWait') + side(s, 'serverSide', 'timeWait')) },
      ...(time.drained && {
        lifetimeMs: life.lifetimeMs,
        drain: {
          loadEndedMs: Math.round(time.loadEndedMs),
          zeroAfterMs: life.zeroAfterMs,
          entered,
          stepMs: life.stepMs,
          timerMs: life.timerMs,
          accuracyMs: life.accuracyMs,
        },
      }),
      ...(plateau && {
        plateau: { ...plateau, expected: expected === null ? null : Math.round(expected), ratio: expected ? round(plateau.mean / expected, 4) : null },
      }),
    },
    established: {
      peak: peak(samples, (s) => side(s, 'clientSide', 'established')),
      clientSide: { peak: peak(samples, (s) => side(s, 'clientSide', 'established')) },
      serverSide: { peak: peak(samples, (s) => side(s, 'serverSide', 'established')) },
    },
    reqPerSec: round(outcome.durationMs > 0 ? (outcome.ok * 1000) / outcome.durationMs : 0, 1),
    durationMs: Math.round(outcome.durationMs),
    ...(outcome.latencyMs && { latencyMs: outcome.latencyMs }),
    ...(outcome.serviceTimeMs && { serviceTimeMs: outcome.serviceTimeMs }),
    ...(outcome.rate && { rate: outcome.rate }),
    kernel,
    clientCounters: outcome.clientCounters ?? {},
    ...(client && serverKernel && { kernelBySide: { client, server: serverKernel } }),
    ...(Object.keys(sides.peaks).length > 0 && { namespacePeaks: sides.peaks }),
    samplesTaken: samples.length,
  };
}

/**
 * What a client that did not finish had done by its last progress report: no latencies; under a
 * rate, the rate it kept until then (its last start taken as that report's time).
 */
export function outcomeSoFar(progress: LoadProgress | undefined, load: LoadSettings | null): LoadOutcome {
  const { done = 0, failed = 0, elapsedMs = 0, errorsByCode = {}, firstFailure = null, started = 0, dropped = 0 } = progress ?? {};
  const sofar: LoadOutcome = { ok: done - failed, failed, errorsByCode, firstFailure, durationMs: elapsedMs };
  // A measurement (no load) or a closed loop: no rate to tell.
  if (!load || !isRateLoad(load)) return sofar;
  const scheduled = Math.min(load.requests, started + dropped);
  const achievedPerSec = achievedRate({ ...load, requests: Math.max(1, scheduled) }, started, elapsedMs);
  // The peak is not reported while a load runs: what was in flight at the last report is the least it reached.
  return { ...sofar, rate: { askedPerSec: load.rate, achievedPerSec, dropped, peakInFlight: Math.max(0, started - done) } };
}

/** The summary of a trial that failed before anything was measured (its stage, or its counters before it): every count 0, no sample. */
export const unmeasuredSummary = (load: LoadSettings | null) =>
  summarise(load?.requests ?? 0, outcomeSoFar(undefined, load), { connectionsAccepted: 0, connectionsOpen: 0, requestsServed: 0 }, [], counterSum([]));
