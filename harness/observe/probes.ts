// A probe reads one network namespace's TCP figures: its socket counts (/proc/net/sockstat and
// snmp's CurrEstab, files read without a fork), its counters (/proc/net/snmp, /proc/net/netstat)
// and, when it can, its sockets on the server port (`ss`, filtered in the kernel). Loopback runs
// have one probe for both ends; namespace runs have one per "host", whose own counts are that
// side's; a server the lab did not start is probed through its control endpoint
// (stage/control-endpoint.ts).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { promisify } from 'node:util';
import { parseInetDiag } from './inet-diag.ts';
import { openCounts, type CountsReader } from './namespace-counts.ts';
import { counterDelta, parseSockstat, readKernelCounters, type KernelCounters, type Sockstat } from '../shapes/proc-net.ts';
import { parseSs, type SsSocket } from './ss-parse.ts';

/**
 * Runs `ss` with `args` and resolves with what it printed. forkSs forks it from this process; a
 * run's sampler has a small helper process fork it instead (harness/stage/ss-helper.ts): forking
 * from a large Node process costs more (npm run bench measures both).
 */
export type SsRunner = (args: string[]) => Promise<Buffer>;

const execFileAsync = promisify(execFile);
const SS_MAX_BYTES = 1 << 30; // ~100 bytes per socket: room for millions

// node:child_process rather than execa here: about 2 ms less CPU per run (npm run bench).
export const forkSs: SsRunner = async (args) => (await execFileAsync('ss', args, { encoding: 'buffer', maxBuffer: SS_MAX_BYTES })).stdout;

/**
 * `filtered`: the kernel keeps only the port's sockets (inet_diag bytecode) and ss prints a line
 * for each. `raw`: ss dumps the kernel's records of every socket in the namespace unformatted
 * (`-D`, inet-diag.ts), a third of the cost per socket but for all of them. A namespace of few
 * sockets of its own is read from its files instead (sampler.ts FEW_SOCKETS).
 */
export type Reading = 'filtered' | 'raw';

/** Which ends of the lab's connections a namespace holds. */
export type ProbeSide = 'both' | 'client' | 'server';

export interface Probe {
  side: ProbeSide;
  /** False when each read is a network round trip (a remote control endpoint). */
  local: boolean;
  /**
   * The namespace holds this side's ends of the lab's connections and nothing else (namespace
   * runs): its own counts (TIME_WAIT, CurrEstab) are this side's, read as files at every sample.
   */
  ownNamespace: boolean;
  /** Where the files are (`/proc/<pid>/net`); absent for a remote probe. */
  procNet?: string;
  sockstat(): Promise<Sockstat>;
  /** Opens the namespace's count files to read them at every sample; absent for a remote probe. */
  openCounts?(): CountsReader;
  counters(): Promise<KernelCounters>;
  /** This side's sockets on the server port; absent when the probe cannot list sockets. */
  sockets?(serverPort: number, reading: Reading): Promise<SsSocket[]>;
}

export interface ProcProbeOptions {
  /** `/proc/net` for our own namespace, `/proc/<pid>/net` for a process's (read without forking). */
  procNet: string;
  /** The namespace `ss` enters (`ss -N`), or null for ours. */
  netns: string | null;
  /** Count only connections to this server address (a host the lab shares with other programs). */
  serverAddress?: string;
  /** Leave out sockets that already existed: a long-lived server keeps earlier variants' sockets. */
  ignore?: Set<string>;
  /** Whether the namespace holds this side's ends only (see Probe.ownNamespace); default false. */
  ownNamespace?: boolean;
  /** How `ss` is run (default: forked from this process). */
  ss?: SsRunner;
}

/** The key of a socket in `ProcProbeOptions.ignore`. */
export const socketKey = (s: SsSocket) => `${s.localPort}>${s.peerPort}`;

function ssFilter(side: ProbeSide, port: number, serverAddress?: string): string {
  if (side === 'server') return `( sport = :${port} )`;
  // ss reads an IPv6 address in brackets only (`dst [::1]`; bare, it takes the colons for a port).
  const dst = serverAddress && (isIPv6(serverAddress) ? `[${serverAddress}]` : serverAddress);
  if (side === 'client') return dst ? `( dport = :${port} and dst ${dst} )` : `( dport = :${port} )`;
  return `( sport = :${port} or dport = :${port} )`;
}

export function procProbe(side: ProbeSide, o: ProcProbeOptions): Probe {
  const ss = o.ss ?? forkSs;
  return {
    side,
    local: true,
    ownNamespace: o.ownNamespace ?? false,
    procNet: o.procNet,
    sockstat: async () => parseSockstat(await readFile(`${o.procNet}/sockstat`, 'utf8')),
    openCounts: () => openCounts(o.procNet),
    counters: () => readKernelCounters(o.procNet),
    async sockets(serverPort, reading) {
      const namespace = o.netns ? ['-N', o.netns] : [];
      // Raw records are not filtered by address: a shared host needs the kernel's filter.
      const sockets =
        reading === 'raw' && !o.serverAddress
          ? parseInetDiag(await ss([...namespace, '-tan', '-D', '-']), serverPort)
          : parseSs((await ss([...namespace, '-Htan', ssFilter(side, serverPort, o.serverAddress)])).toString('latin1'));
      return o.ignore ? sockets.filter((s) => !o.ignore!.has(socketKey(s))) : sockets;
    },
  };
}

/** Kernel counters per side: `both` on loopback, `client` and `server` when each has a namespace. */
export type SideCounters = Partial<Record<ProbeSide, KernelCounters>>;

export async function readSideCounters(probes: Probe[]): Promise<SideCounters> {
  return Object.fromEntries(await Promise.all(probes.map(async (p) => [p.side, await p.counters()] as const)));
}

/** Each side's counter deltas; a side missing from `after` (it could not be read) is left out. */
export function sideDeltas(before: SideCounters, after: SideCounters): SideCounters {
  return Object.fromEntries(
    Object.entries(before).flatMap(([side, counters]) => {
      const later = after[side as ProbeSide];
      return later ? [[side, counterDelta(counters, later)]] : [];
    }),
  );
}

/**
 * The probes as the sampler reads them: a read that fails also goes to `onFailure`, so that the
 * variant stops at once (the sampler by itself only stops sampling).
 */
export function watched(probes: Probe[], onFailure: (error: unknown) => void): Probe[] {
  const watch =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    (...args: A) =>
      read(...args).catch((error: unknown) => {
        onFailure(error);
        throw error;
      });
  // The files read at every sample are read synchronously.
  const watchNow =
    <R>(read: () => R) =>
    () => {
      try {
        return read();
      } catch (error) {
        onFailure(error);
        throw error;
      }
    };
  const watchFiles = (open: () => CountsReader) => () => {
    const files = open();
    return { read: watchNow(files.read), sockstat: watchNow(files.sockstat), tables: watchNow(files.tables), close: files.close };
  };
  return probes.map((p) => ({
    ...p,
    sockstat: watch(p.sockstat),
    counters: watch(p.counters),
    ...(p.sockets && { sockets: watch(p.sockets) }),
    ...(p.openCounts && { openCounts: watchFiles(p.openCounts) }),
  }));
}

/** Each side's counters after the variant; a side that cannot be read is left out and named. */
export async function readSidesAfter(probes: Probe[]): Promise<{ counters: SideCounters; failed: { side: string; error: unknown }[] }> {
  const read = await Promise.allSettled(probes.map(async (p) => [p.side, await p.counters()] as const));
  const failed = read.flatMap((r, i) => (r.status === 'rejected' ? [{ side: probes[i]!.side, error: r.reason as unknown }] : []));
  return { counters: Object.fromEntries(read.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))), failed };
}
