// What a client reports while it runs (the client protocol: progress, then its outcome), read until
// it ends, the same for a Node client (messages over IPC) and a program (lines on stdout).
import { exitGrace } from './client-exit.ts';
import type { LoadOutcome, LoadProgress, readClientMessage } from '../shapes/client-protocol.ts';

interface ReportingChild extends PromiseLike<unknown> {
  kill(signal?: NodeJS.Signals): boolean;
}

/**
 * Follows `child` through `messages` until it ends: its progress goes to `onProgress`, and once its
 * outcome is in it has EXIT_GRACE_MS to exit (client-exit.ts). Resolves with the outcome. A child
 * that fails before it reported one rejects with `failed(error)`; one that ends without reporting
 * it, with `nothing(first)`, `first` being its first message that was not the protocol's.
 */
export async function reportedOutcome<M>(
  child: ReportingChild,
  messages: AsyncIterable<M>,
  read: (message: M) => ReturnType<typeof readClientMessage>,
  onProgress: (progress: LoadProgress) => void,
  failed: (error: unknown) => Error,
  nothing: (first: M | undefined) => Error,
): Promise<LoadOutcome> {
  let outcome: LoadOutcome | undefined;
  let bad: { first: M } | undefined;
  const exit = exitGrace(child);
  try {
    for await (const message of messages) {
      const report = read(message);
      if (!report) bad ??= { first: message };
      else if ('progress' in report) onProgress(report.progress);
      else {
        outcome = report.outcome;
        exit.start();
      }
    }
    await child;
  } catch (error) {
    // Ended for not exiting after its outcome: how it ended says nothing about the variant.
    if (!(outcome && exit.ended)) throw failed(error);
  } finally {
    exit.clear();
  }
  if (!outcome) throw nothing(bad?.first);
  return outcome;
}
