// Samples the socket table at a fixed interval while a variant runs: one `ss` call per sample,
// counted per side of the server's port, plus the namespace's TIME_WAIT from /proc/net/sockstat.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parseInetDiag } from './inet-diag.ts';
import { countBySide, parseSs, type SsSocket, type StateCounts } from './ss-parse.ts';
import { parseSockstat } from './proc-net.ts';

// node:child_process rather than execa here: about 2 ms less CPU per sample (npm run bench).
const execFileAsync = promisify(execFile);
const SS_MAX_BYTES = 1 << 30; // ~100 bytes per socket: room for millions

/** Time between two samples unless the user says otherwise (`--interval-ms`). */
export const DEFAULT_INTERVAL_MS = 100;

export interface Sample {
  /** Milliseconds since the variant started. */
  tMs: number;
  clientSide: StateCounts;
  serverSide: StateCounts;
  /** TIME_WAIT sockets in the whole network namespace (/proc/net/sockstat `tw`). */
  namespaceTimeWait: number;
}

/**
 * `filtered`: the kernel keeps only the port's sockets (inet_diag bytecode) and ss prints a line
 * for each. `raw`: ss dumps the kernel's records of every socket in the namespace unformatted
 * (`-D`, inet-diag.ts), a third of the cost per socket but for all of them.
 */
export type Reading = 'filtered' | 'raw';

/**
 * Raw records pay off once the port holds more than about a fifth of the namespace's sockets
 * (npm run bench measures both); the last sample tells, TIME_WAIT standing for the rest.
 */
export function chooseReading(previous: Sample | undefined): Reading {
  if (!previous) return 'filtered';
  const ours = (previous.clientSide.timeWait ?? 0) + (previous.serverSide.timeWait ?? 0);
  return ours > 0 && ours * 4 >= previous.namespaceTimeWait ? 'raw' : 'filtered';
}

async function portSockets(port: number, reading: Reading): Promise<SsSocket[]> {
  if (reading === 'raw') {
    const { stdout } = await execFileAsync('ss', ['-tan', '-D', '-'], { encoding: 'buffer', maxBuffer: SS_MAX_BYTES });
    return parseInetDiag(stdout, port);
  }
  const filter = `( sport = :${port} or dport = :${port} )`;
  return parseSs((await execFileAsync('ss', ['-Htan', filter], { maxBuffer: SS_MAX_BYTES })).stdout);
}

/** One sample; `previous` (the last sample of the same port) picks the cheaper way to read the table. */
export async function sampleOnce(serverPort: number, startedAt: number, previous?: Sample): Promise<Sample> {
  const [sockets, sockstat] = await Promise.all([
    portSockets(serverPort, chooseReading(previous)),
    readFile('/proc/net/sockstat', 'utf8'),
  ]);
  return {
    tMs: Math.round(performance.now() - startedAt),
    ...countBySide(sockets, serverPort),
    namespaceTimeWait: parseSockstat(sockstat).tw,
  };
}

/**
 * Samples every `intervalMs` (never two at once) until `stop()`, which takes one last sample;
 * `onSample` sees each sample as it is taken (the live view).
 */
export function startSampler(serverPort: number, intervalMs: number, startedAt = performance.now(), onSample: (sample: Sample) => void = () => {}) {
  const samples: Sample[] = [];
  let stopped = false;
  let failure: unknown = null;
  const take = async () => {
    const sample = await sampleOnce(serverPort, startedAt, samples.at(-1));
    samples.push(sample);
    onSample(sample);
  };
  const loop = (async () => {
    // Samples are due on a fixed timeline, so one that starts late is followed by a shorter wait and
    // the rate holds; one late by more than an interval moves the timeline instead of bunching up.
    let due = performance.now();
    while (!stopped) {
      due += intervalMs;
      try {
        await take();
      } catch (error) {
        failure = error;
        return;
      }
      if (performance.now() - due > intervalMs) due = performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
  })();
  return {
    samples,
    async stop(): Promise<Sample[]> {
      stopped = true;
      await loop;
      if (failure) throw failure;
      await take();
      return samples;
    },
  };
}
