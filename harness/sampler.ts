// Samples the socket table at a fixed interval while a variant runs: one `ss` call per sample, read
// as raw inet_diag records (`ss -D`, see inet-diag.ts) rather than text, counted per side of the
// server's port. `npm run bench` compares this with ss text, netstat and /proc/net/tcp.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { parseInetDiag } from './inet-diag.ts';
import { countBySide, type StateCounts } from './ss-parse.ts';
import { parseSockstat } from './proc-net.ts';

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

export async function sampleOnce(serverPort: number, startedAt: number): Promise<Sample> {
  const [{ stdout }, sockstat] = await Promise.all([
    execa('ss', ['-tan', '-D', '-'], { encoding: 'buffer' }),
    readFile('/proc/net/sockstat', 'utf8'),
  ]);
  return {
    tMs: Math.round(performance.now() - startedAt),
    ...countBySide(parseInetDiag(stdout, serverPort), serverPort),
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
    const sample = await sampleOnce(serverPort, startedAt);
    samples.push(sample);
    onSample(sample);
  };
  const loop = (async () => {
    while (!stopped) {
      const due = performance.now() + intervalMs;
      try {
        await take();
      } catch (error) {
        failure = error;
        return;
      }
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
