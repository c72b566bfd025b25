// How a run's sampler runs `ss`: one long-lived helper process (harness/entries/ss-helper.sh, a
// shell) forks it on request, one request at a time. Forking from the harness, a large Node
// process, costs it more CPU per sample than asking a small process to fork (npm run bench
// measures both). What ss prints goes through a file in a private folder, so that its end needs no
// marker: raw records (`ss -D`) are binary. The helper is tracked like every process the lab starts.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { SsRunner } from '../observe/probes.ts';
import { LabError } from '../shared/errors.ts';
import { startHelper } from '../process/start.ts';
import { howItEnded } from '../process/tracked.ts';

const ENTRY = new URL('../entries/ss-helper.sh', import.meta.url).pathname;

export interface SsHelper {
  run: SsRunner;
  pid: number;
  /** Ends the helper (it removes its folder) and waits until it is gone. */
  stop(): Promise<void>;
}

export async function startSsHelper(): Promise<SsHelper> {
  const dir = await privateFolder();
  const child = startHelper('sh', [ENTRY, dir]);
  child.stdin.on('error', () => {}); // a helper that died: told by `ended` below
  let ended: string | null = null;
  const waiting: { resolve(status: string): void; reject(error: Error): void }[] = [];
  createInterface({ input: child.stdout }).on('line', (status) => waiting.shift()?.resolve(status));
  void child.then(howItEnded, howItEnded).then((how) => {
    ended ??= `the ss helper ${how}`;
    for (const request of waiting.splice(0)) request.reject(new LabError(ended));
  });

  const ask = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      if (ended) return reject(new LabError(ended));
      waiting.push({ resolve, reject });
      child.stdin.write(`${args.join('\t')}\n`);
    });
  let queue: Promise<unknown> = Promise.resolve();
  const run: SsRunner = (args) => {
    const bad = args.find((a) => /[\t\n]/.test(a));
    if (bad !== undefined) return Promise.reject(new Error(`an ss argument with a tab or a line break cannot go to the helper: ${JSON.stringify(bad)}`));
    const result = queue.then(async () => {
      const status = await ask(args);
      if (status !== '0') {
        const why = readFileSync(`${dir}/err`, 'utf8').trim().split('\n').at(-1);
        throw new LabError(`ss ${args.join(' ')} failed (exit status ${status})${why ? `: ${why}` : ''}`);
      }
      // Read at once, before the next request rewrites it; the sampler waits for it anyway.
      return readFileSync(`${dir}/out`);
    });
    queue = result.catch(() => {});
    return result;
  };
  return {
    run,
    pid: child.pid!,
    async stop() {
      ended ??= 'the ss helper was stopped';
      child.kill();
      await child.catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * In memory (/dev/shm), not on disk, for a file rewritten at every sample (megabytes with tens of
 * thousands of sockets); the temporary folder where /dev/shm cannot be written.
 */
async function privateFolder(): Promise<string> {
  try {
    return await mkdtemp('/dev/shm/twlab-ss-');
  } catch {
    return mkdtemp(path.join(os.tmpdir(), 'twlab-ss-'));
  }
}
