// Samples a variant's sockets at a fixed interval, per probe (one per network namespace: on loopback
// one for both ends, in namespace mode one per side), without forking from this process:
// - A namespace that holds one side's ends and nothing else (namespace runs, Probe.ownNamespace):
//   its own counts are that side's, read as files at every sample (sockstat tw: TIME_WAIT; snmp
//   CurrEstab: ESTABLISHED, with CLOSE-WAIT). Its socket table (its files, or `ss`) gives the
//   breakdown by state at a lower cadence that adapts (TABLE_CADENCE), and at the first and the last
//   sample.
// - A namespace shared by both ends or with other programs (loopback, --target): its socket table,
//   filtered in the kernel on the server's port, at every sample.
// Each wakeup of this process costs CPU beside the load (about 0.1 ms on a small VM, npm run bench),
// so nothing else runs between samples. The result's `sampling` (harness/run/sampling.ts) says
// where each figure came from.
import { z } from 'zod';
import { countBySide, type StateCounts } from './ss-parse.ts';
import type { Sockstat } from '../shapes/proc-net.ts';
import type { CountsReader, SocketCounts } from './namespace-counts.ts';
import { procProbe, type Probe, type Reading } from './probes.ts';
import { socketsOnPort } from './tcp-table.ts';
import type { SsSocket } from './ss-parse.ts';
import { count } from '../shapes/zod.ts';

export type { Reading } from './probes.ts';

/**
 * When a namespace run reads its socket table (the breakdown by state), counted from its start:
 * while the namespaces' counts change, a picture every `changingMs`; while they stay the same,
 * every `flatMs` (states still move without a count changing: FIN-WAIT-2 becomes TIME-WAIT); and
 * never more than `maxShare` of the time: a read waits at least 1 / maxShare times as long as the
 * last one took (at 18,000 sockets a read by ss takes about 25 ms: every 12 s). Even a namespace of
 * few sockets costs about 2 ms a read of both sides (the kernel walks its whole established hash
 * for each file), beside a load that may use a fifth of a core: the harness's whole budget beside
 * it is a twentieth of that (npm run bench, harness part). No claim needs the breakdown, and the
 * connection ledger has every connection's states; the last sample always reads it.
 */
export const TABLE_CADENCE = { changingMs: 5000, flatMs: 10000, maxShare: 0.002 } as const;

const stateCounts = z.record(z.string(), count);

/** A namespace's socket counts, from its /proc/net/sockstat: sockets in TIME_WAIT, in use, orphaned. */
export const namespaceCountsSchema = z.strictObject({
  tw: count.meta({ description: "The namespace's timewait sockets: TIME-WAIT, and orphaned FIN-WAIT-2 (ss shows those as FIN-WAIT-2)." }),
  inuse: count.meta({ description: "The namespace's TCP sockets in use (not those in TIME_WAIT)." }),
  // net/ipv4/proc.c sockstat_seq_show: tcp_orphan_count is one count for all namespaces.
  orphan: count.meta({ description: 'Orphaned TCP sockets of the whole host: the kernel keeps one count for all namespaces.' }),
});
export type NamespaceCounts = z.infer<typeof namespaceCountsSchema>;
/** Per "host": the client's namespace and the server's (runs with one namespace per side). */
export type NamespaceSide = 'client' | 'server';
export const perNamespaceSchema = z.strictObject({ client: namespaceCountsSchema.optional(), server: namespaceCountsSchema.optional() });

export const sampleSchema = z
  .strictObject({
    tMs: z.number().nonnegative().meta({ description: 'Milliseconds since the variant started.' }),
    clientSide: stateCounts.meta({
      description:
        "The client side's sockets by state. Namespace runs: timeWait and established are the client namespace's own counts (sockstat tw; snmp CurrEstab, which counts CLOSE-WAIT too); loopback: the socket table. The result's sampling says it.",
    }),
    serverSide: stateCounts.meta({ description: "The server side's, as clientSide." }),
    namespaceTimeWait: count.meta({ description: 'TIME_WAIT sockets in the whole network namespace(s) the run uses (/proc/net/sockstat tw).' }),
    namespaces: perNamespaceSchema.optional().meta({ description: "Each side's own /proc/net/sockstat counts, when each side has a namespace." }),
    socketTable: z
      .strictObject({ clientSide: stateCounts, serverSide: stateCounts })
      .optional()
      .meta({ description: "Namespace runs, on the samples that read the socket table (ss): each side's sockets on the server port by state." }),
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
const sideKey = (side: NamespaceSide) => (side === 'client' ? 'clientSide' : 'serverSide');

function add(into: StateCounts, counts: StateCounts) {
  for (const [state, n] of Object.entries(counts) as [keyof StateCounts, number][]) into[state] = (into[state] ?? 0) + n;
}

/** The probes with the files they are read through at every sample (null: a remote probe, asked for its sockstat). */
type Opened = { probe: Probe; files: CountsReader | null }[];

function open(probes: Probe[]): Opened {
  const opened: Opened = [];
  try {
    for (const probe of probes) opened.push({ probe, files: probe.openCounts?.() ?? null });
  } catch (error) {
    close(opened);
    throw error;
  }
  return opened;
}

const close = (opened: Opened) => opened.forEach(({ files }) => files?.close());

/** What one sample read of one probe: its counts (files, or a remote sockstat), and its sockets when it read the table. */
interface ProbeRead {
  probe: Probe;
  counts: SocketCounts | Sockstat;
  /** The probe's open files (null: a remote probe). */
  files: CountsReader | null;
  sockets?: SsSocket[];
}

/**
 * Each probe's counts: an own namespace's with CurrEstab (they are its side's), others' sockstat.
 * Read from open files, synchronously: no promise when no probe is remote (a namespace run's
 * samples, most of the time, cost little more than their reads).
 */
function readCounts(opened: Opened): ProbeRead[] | Promise<ProbeRead[]> {
  const reads = opened.map(({ probe, files }) => ({ probe, files, counts: files ? (probe.ownNamespace ? files.read() : files.sockstat()) : null }));
  if (reads.every((r): r is ProbeRead => r.counts !== null)) return reads;
  return Promise.all(reads.map(async ({ probe, files, counts }) => ({ probe, files, counts: counts ?? (await probe.sockstat()) })));
}

/**
 * The reads whose sockets a sample lists: of shared namespaces always, of own namespaces when
 * `table` says so.
 */
const needingTables = (reads: ProbeRead[], table: boolean) => reads.filter(({ probe }) => probe.sockets && (!probe.ownNamespace || table));

/**
 * Up to how many sockets (in use and in TIME_WAIT) an own namespace's table is read from its files
 * rather than by ss. Either way the kernel walks its whole established hash, which every namespace
 * shares (about 1 ms a file here: 262,144 buckets, empty or not). The files then cost about 4 µs a
 * socket (its line written and parsed); ss costs a fork and an exec in the helper (about 4 ms) and
 * about 2 µs a socket. Measured 2026-12-06 on 5,000 TIME_WAIT sockets of a namespace: tcp and tcp6
 * read and parsed in 21.6 ms of CPU, `ss -tan -D` 16.5 ms. So files below about 1,500 sockets.
 */
export const FEW_SOCKETS = 1000;

/**
 * Adds the sockets to each read. An own namespace holds only the lab's sockets, so the kernel's
 * filter would keep them all: its open files while it holds few, else ss's raw records.
 */
async function readTables(reads: ProbeRead[], serverPort: number, reading: Reading): Promise<void> {
  await Promise.all(
    reads.map(async (read) => {
      const { probe, counts, files } = read;
      if (!probe.ownNamespace) read.sockets = await probe.sockets!(serverPort, reading);
      else if (files && counts.inuse + counts.tw <= FEW_SOCKETS) read.sockets = socketsOnPort(serverPort, files.tables());
      else read.sockets = await probe.sockets!(serverPort, 'raw');
    }),
  );
}

function toSample(tMs: number, serverPort: number, reads: ProbeRead[]): Sample {
  const sample: Sample = { tMs, clientSide: {}, serverSide: {}, namespaceTimeWait: 0 };
  for (const { probe, counts, sockets } of reads) {
    sample.namespaceTimeWait += counts.tw;
    if (perSide(probe)) (sample.namespaces ??= {})[probe.side] = pick(counts);
    if (probe.ownNamespace && perSide(probe)) {
      // The namespace's own counts are this side's; zero states are left out, as ss leaves them out.
      const side = sample[sideKey(probe.side)];
      if (counts.tw > 0) side.timeWait = counts.tw;
      if ('currEstab' in counts && counts.currEstab > 0) side.established = counts.currEstab;
      if (sockets) add((sample.socketTable ??= { clientSide: {}, serverSide: {} })[sideKey(probe.side)], countBySide(sockets, serverPort)[sideKey(probe.side)]);
    } else if (sockets) {
      const sides = countBySide(sockets, serverPort);
      add(sample.clientSide, sides.clientSide);
      add(sample.serverSide, sides.serverSide);
    }
  }
  return sample;
}

/** One sample, socket table included; `previous` (the last sample of the same port) picks the cheaper way to read a shared table. */
export async function sampleOnce(serverPort: number, startedAt: number, previous?: Sample, probes: Probe[] = HERE): Promise<Sample> {
  const opened = open(probes);
  try {
    const reads = await readCounts(opened);
    await readTables(needingTables(reads, true), serverPort, chooseReading(previous));
    return toSample(Math.round(performance.now() - startedAt), serverPort, reads);
  } finally {
    close(opened);
  }
}

/** Peaks of each side's namespace counts, over the samples. */
export type NamespacePeaks = z.infer<typeof perNamespaceSchema>;

function raise(peaks: NamespacePeaks, side: NamespaceSide, counts: NamespaceCounts) {
  const peak = (peaks[side] ??= { tw: 0, inuse: 0, orphan: 0 });
  for (const key of ['tw', 'inuse', 'orphan'] as const) peak[key] = Math.max(peak[key], counts[key]);
}

/**
 * Runs `step` every `intervalMs` until `stopped()`; `done` resolves then. Steps are due on a fixed
 * timeline, so one that starts late is followed by a shorter wait and the rate holds; one late by
 * more than an interval moves the timeline instead of bunching up. `wake()` ends a wait at once, so
 * that a stop need not wait out the interval (a minute, at --interval-ms 60000).
 */
export function loopEvery(intervalMs: number, stopped: () => boolean, step: () => void | Promise<void>): { done: Promise<void>; wake: () => void } {
  let timer: NodeJS.Timeout | null = null;
  let next = () => {};
  const done = new Promise<void>((resolve) => {
    let due = performance.now();
    // Timers and callbacks, not an async loop: a step that is synchronous costs no promise.
    next = () => {
      timer = null;
      if (stopped()) return resolve();
      due += intervalMs;
      const wait = () => {
        if (stopped()) return resolve();
        if (performance.now() - due > intervalMs) due = performance.now();
        timer = setTimeout(next, Math.max(0, due - performance.now()));
      };
      const running = step();
      if (running) void running.then(wait);
      else wait();
    };
    next();
  });
  const wake = () => {
    if (!timer) return; // a step is running: its wait sees the stop
    clearTimeout(timer);
    next();
  };
  return { done, wake };
}

/** When the own namespaces' socket tables were last read: at what time, how long it took, at which counts. */
interface TableRead {
  at: number;
  tookMs: number;
  counts: string;
}

/**
 * What tells that the own namespaces' picture changed: their TIME_WAIT, sockets in use and
 * CurrEstab. Not sockstat's orphan and alloc: the kernel keeps those for the whole host, every
 * namespace shows the same (net/ipv4/proc.c sockstat_seq_show), so other programs move them.
 */
const changeKey = (reads: ProbeRead[]) =>
  JSON.stringify(reads.filter((r) => r.probe.ownNamespace).map(({ counts }) => [counts.tw, counts.inuse, 'currEstab' in counts ? counts.currEstab : null]));

/** Whether the sample at `now` reads the own namespaces' tables (TABLE_CADENCE). */
function tableDue(now: number, last: TableRead, counts: string): boolean {
  const wait = Math.max(counts === last.counts ? TABLE_CADENCE.flatMs : TABLE_CADENCE.changingMs, last.tookMs / TABLE_CADENCE.maxShare);
  return now - last.at >= wait;
}

/**
 * Samples every `intervalMs` (never two at once) until `stop()`, which takes one last sample with
 * the socket table; `onSample` sees each sample as it is taken (the live view). `probes`: the
 * namespaces to read (default: this process's, both ends).
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
  let opened: Opened = [];
  // The first sample reads the table too, before the first request: the picture before the load,
  // and the code that reads and parses it run once (compiled) before they run beside the load.
  let lastTable: TableRead | null = null;
  let tableReads = 0;
  const own = probes.some((p) => p.ownNamespace && p.sockets);
  const record = (now: number, reads: ProbeRead[]) => {
    const sample = toSample(Math.round(now - startedAt), serverPort, reads);
    samples.push(sample);
    onSample(sample);
    for (const [side, counts] of Object.entries(sample.namespaces ?? {}) as [NamespaceSide, NamespaceCounts][]) raise(peaks, side, counts);
  };
  const withCounts = (now: number, reads: ProbeRead[], last: boolean): void | Promise<void> => {
    const key = changeKey(reads);
    const table = last || (own && (lastTable === null || tableDue(now, lastTable, key)));
    const tables = needingTables(reads, table);
    if (tables.length === 0) return record(now, reads);
    const tableStart = performance.now();
    return readTables(tables, serverPort, chooseReading(samples.at(-1))).then(() => {
      // The first read pays for the helper's start: it says nothing of what the next ones cost.
      if (own && table) lastTable = { at: now, tookMs: tableReads++ === 0 ? 0 : performance.now() - tableStart, counts: key };
      record(now, reads);
    });
  };
  /** One sample: synchronous when it reads files only. */
  const take = (last: boolean): void | Promise<void> => {
    const now = performance.now();
    const reads = readCounts(opened);
    return reads instanceof Promise ? reads.then((r) => withCounts(now, r, last)) : withCounts(now, reads, last);
  };
  const fail = (error: unknown) => {
    failure ??= error;
    stopped = true;
  };
  const guarded = (): void | Promise<void> => {
    try {
      return take(false)?.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
  try {
    opened = open(probes);
  } catch (error) {
    failure = error;
    stopped = true;
  }
  const loop = loopEvery(intervalMs, () => stopped, guarded);
  return {
    samples,
    peaks,
    async stop(): Promise<Sample[]> {
      stopped = true;
      loop.wake();
      await loop.done;
      try {
        if (failure) throw failure;
        await take(true);
        return samples;
      } finally {
        close(opened);
      }
    },
  };
}
