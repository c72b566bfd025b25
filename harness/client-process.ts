// Runs one variant's client in a process of its own and collects its progress and outcome.
import { LabError } from './errors.ts';
import { lastStderrLine, startNode, startNodeIn } from './processes.ts';
import { runProgramClient } from './program-client.ts';
import { isProgramVariant, type Variant } from './scenario.ts';
import type { ClientJob, ClientMessage } from './client-runner.ts';
import type { LoadOutcome, LoadProgress } from './load.ts';

const CLIENT_ENTRY = new URL('./client-runner.ts', import.meta.url);

export interface ClientProcessOptions {
  /** Another client program that speaks the same IPC (the benchmark's fetch client does). */
  entry?: URL;
  /** The network namespace the client runs in (namespace mode). */
  netns?: string;
}

export async function runClient(
  job: ClientJob,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  { entry = CLIENT_ENTRY, netns }: ClientProcessOptions = {},
): Promise<LoadOutcome> {
  const child = netns ? startNodeIn(netns, entry, [], { timeout: timeLimitMs }) : startNode(entry, [], { timeout: timeLimitMs });
  let outcome: LoadOutcome | undefined;
  try {
    await child.sendMessage(job as never);
    for await (const message of child.getEachMessage()) {
      const m = message as unknown as ClientMessage;
      if (m.type === 'progress') onProgress(m);
      else if (m.type === 'done') {
        const { type: _type, ...rest } = m;
        outcome = rest;
      }
    }
    await child;
  } catch (error) {
    if ((error as { timedOut?: boolean }).timedOut) {
      throw new LabError(`variant "${job.variant}" did not finish within its time limit of ${timeLimitMs / 1000} s (raise it with --time-limit-s)`);
    }
    throw new LabError(`the client of variant "${job.variant}" failed: ${lastStderrLine(error)}`);
  }
  if (!outcome) throw new LabError(`the client of variant "${job.variant}" exited without reporting a result`);
  return outcome;
}

/** Runs the variant's client: a Node client in a client process, or the program it names; inside `netns` when given. */
export function runVariantClient(
  variant: Variant,
  job: ClientJob,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  netns?: string,
): Promise<LoadOutcome> {
  return isProgramVariant(variant)
    ? runProgramClient(variant, { url: job.url, load: job.load }, timeLimitMs, onProgress, netns)
    : runClient(job, timeLimitMs, onProgress, { netns });
}
