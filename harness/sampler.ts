// Samples the socket table at a fixed interval while a variant runs: one `ss` call per sample,
// filtered in the kernel to the server's port (inet_diag bytecode), counted per side.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { countBySide, parseSs, type StateCounts } from './ss-parse.ts';
import { parseSockstat } from './proc-net.ts';

export interface Sample {
  /** Milliseconds since the variant started. */
  tMs: number;
  clientSide: StateCounts;
  serverSide: StateCounts;
  /** TIME_WAIT sockets in the whole network namespace (/proc/net/sockstat `tw`). */
  namespaceTimeWait: number;
}

export async function sampleOnce(serverPort: number, startedAt: number): Promise<Sample> {
  const filter = `( sport = :${serverPort} or dport = :${serverPort} )`;
  const [{ stdout }, sockstat] = await Promise.all([
    execa('ss', ['-Htan', filter]),
    readFile('/proc/net/sockstat', 'utf8'),
  ]);
  return {
    tMs: Math.round(performance.now() - startedAt),
    ...countBySide(parseSs(stdout), serverPort),
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
