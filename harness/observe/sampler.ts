// Samples the socket table at a fixed interval while a variant runs: per probe (one per network
// namespace: on loopback one for both ends, in namespace mode one per side), the sockets on the
// server's port counted per side, and the namespace's /proc/net/sockstat. Between samples it reads
// the sockstat of every local per-side namespace at a high rate (a file read, no fork) for its peaks.
import { z } from 'zod';
import { countBySide, type StateCounts } from './ss-parse.ts';
import type { Sockstat } from './proc-net.ts';
import { procProbe, type Probe, type Reading } from './probes.ts';

export type { Reading } from './probes.ts';

/** Time between two samples unless the user says otherwise (`--interval-ms`). */
export const DEFAULT_INTERVAL_MS = 100;
/** How often the sockstat of local per-side namespaces is read between two samples. */
export const SOCKSTAT_EVERY_MS = 10;

const count = z.number().int().nonnegative();
const stateCounts = z.record(z.string(), count);

/** A namespace's own socket counts, from its /proc/net/sockstat: sockets in TIME_WAIT, in use, orphaned. */
export const namespaceCountsSchema = z.strictObject({ tw: count, inuse: count, orphan: count });
export type NamespaceCounts = z.infer<typeof namespaceCountsSchema>;
/** Per "host": the client's namespace and the server's (runs with one namespace per side). */
export type NamespaceSide = 'client' | 'server';
export const perNamespaceSchema = z.strictObject({ client: namespaceCountsSchema.optional(), server: namespaceCountsSchema.optional() });

export const sampleSchema = z
  .strictObject({
    tMs: z.number().nonnegative().meta({ description: 'Milliseconds since the variant started.' }),
    clientSide: stateCounts,
    serverSide: stateCounts,
    namespaceTimeWait: count.meta({ description: 'TIME_WAIT sockets in the whole network namespace(s) the run uses (/proc/net/sockstat tw).' }),
    namespaces: perNamespaceSchema.optional().meta({ description: "Each side's own /proc/net/sockstat counts, when each side has a namespace." }),
  })
  .meta({ id: 'Sample', description: 'Socket states counted at one moment, per side, and the namespace total of TIME_WAIT.' });
export type Sample = z.infer<typeof sampleSchema>;

/**
 * Raw records pay off once the port holds more than about a fifth of the namespace's sockets
 * (npm run bench measures both); the last sample tells, TIME_WAIT standing for the rest.
 */
export function chooseReading(previous: Sample | undefined): Reading {
  if (!previous) return 'filtered';
  const ours = (previous.clientSide.timeWait ?? 0) + (previous.serverSide.timeWait ?? 0);
  return ours > 0 && ours * 4 >= previous.namespaceTimeWait ? 'raw' : 'filtered';
}

/** This process's own namespace, both ends of the connections in it (loopback runs, the benchmark). */
const HERE: Probe[] = [procProbe('both', { procNet: '/proc/net', netns: null })];

const pick = ({ tw, inuse, orphan }: Sockstat): NamespaceCounts => ({ tw, inuse, orphan });
const perSide = (probe: Probe): probe is Probe & { side: NamespaceSide } => probe.side !== 'both';

function add(into: StateCounts, counts: StateCounts) {
  for (const [state, n] of Object.entries(counts) as [keyof StateCounts, number][]) into[state] = (into[state] ?? 0) + n;
}

/** One sample; `previous` (the last sample of the same port) picks the cheaper way to read the table. */
export async function sampleOnce(serverPort: number, startedAt: number, previous?: Sample, probes: Probe[] = HERE): Promise<Sample> {
  const reading = chooseReading(previous);
  const read = await Promise.all(
    probes.map(async (probe) => ({ probe, sockets: await probe.sockets?.(serverPort, reading), sockstat: await probe.sockstat() })),
  );
  const sample: Sample = { tMs: Math.round(performance.now() - startedAt), clientSide: {}, serverSide: {}, namespaceTimeWait: 0 };
  for (const { probe, sockets, sockstat } of read) {
    if (sockets) {
      const sides = countBySide(sockets, serverPort);
      add(sample.clientSide, sides.clientSide);
      add(sample.serverSide, sides.serverSide);
    }
    sample.namespaceTimeWait += sockstat.tw;
    if (perSide(probe)) (sample.namespaces ??= {})[probe.side] = pick(sockstat);
  }
  return sample;
}

/** Peaks of each side's namespace counts, over the samples and the fast reads between them. */
export type NamespacePeaks = z.infer<typeof perNamespaceSchema>;

function raise(peaks: NamespacePeaks, side: NamespaceSide, counts: NamespaceCounts) {
  const peak = (peaks[side] ??= { tw: 0, inuse: 0, orphan: 0 });
  for (const key of ['tw', 'inuse', 'orphan'] as const) peak[key] = Math.max(peak[key], counts[key]);
}

/**
 * Runs `step` every `intervalMs` until `stopped()`. Steps are due on a fixed timeline, so one that
 * starts late is followed by a shorter wait and the rate holds; one late by more than an interval
 * moves the timeline instead of bunching up.
 */
function loopEvery(intervalMs: number, stopped: () => boolean, step: () => Promise<void>): Promise<void> {
  return (async () => {
    let due = performance.now();
    while (!stopped()) {
      due += intervalMs;
      await step();
      if (performance.now() - due > intervalMs) due = performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
  })();
}

/**
 * Samples every `intervalMs` (never two at once) until `stop()`, which takes one last sample;
 * `onSample` sees each sample as it is taken (the live view). `probes`: the namespaces to read
 * (default: this process's, both ends).
 */
export function startSampler(
  serverPort: number,
  intervalMs: number,
  startedAt = performance.now(),
  onSample: (sample: Sample) => void = () => {},
  probes: Probe[] = HERE,
) {
  const samples: Sample[] = [];
  const peaks: NamespacePeaks = {};
  let stopped = false;
  let failure: unknown = null;
  const take = async () => {
    const sample = await sampleOnce(serverPort, startedAt, samples.at(-1), probes);
    samples.push(sample);
    onSample(sample);
    for (const [side, counts] of Object.entries(sample.namespaces ?? {}) as [NamespaceSide, NamespaceCounts][]) raise(peaks, side, counts);
  };
  const guard = (step: () => Promise<void>) => async () => {
    try {
      await step();
    } catch (error) {
      failure ??= error;
      stopped = true;
    }
  };
  const fast = probes.filter(perSide).filter((p) => p.local);
  const loops = [
    loopEvery(intervalMs, () => stopped, guard(take)),
    ...(fast.length === 0
      ? []
      : [
          loopEvery(SOCKSTAT_EVERY_MS, () => stopped, guard(async () => {
            for (const probe of fast) raise(peaks, probe.side, pick(await probe.sockstat()));
          })),
        ]),
  ];
  return {
    samples,
    peaks,
    async stop(): Promise<Sample[]> {
      stopped = true;
      await Promise.all(loops);
      if (failure) throw failure;
      await take();
      return samples;
    },
  };
}
