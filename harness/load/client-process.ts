// Runs one variant's client in a process of its own and collects its progress and outcome; the one
// way the run starts a client, whichever kind it is.
import { clientFailure } from './client-failure.ts';
import { reportedOutcome } from './client-reports.ts';
import { VariantFailure } from '../shared/errors.ts';
import { startNode, startNodeIn } from '../process/start.ts';
import { runProgramClient } from './program-client.ts';
import { trustEnvironment } from '../stage/certificates.ts';
import { runCommandClient } from './command-client.ts';
import { isCommandVariant, isProgramVariant, type Variant } from '../scenario/contract.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import { readClientMessage, type ClientJob, type LoadOutcome, type LoadProgress } from '../shapes/client-protocol.ts';

const CLIENT_ENTRY = new URL('../entries/client.ts', import.meta.url);

export interface ClientProcessOptions {
  /** Another client program that speaks the same IPC (the benchmark's fetch client does). */
  entry?: URL;
  /** The network namespace the client runs in (namespace mode). */
  netns?: string;
  /** Aborting it stops the client; its reason (a VariantFailure) is what the run reports. */
  signal?: AbortSignal;
  /** A TLS server's CA (stage/certificates.ts): the client trusts it (NODE_EXTRA_CA_CERTS, read when Node starts). */
  caFile?: string | null;
}

export async function runClient(
  job: ClientJob,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  { entry = CLIENT_ENTRY, netns, signal, caFile }: ClientProcessOptions = {},
): Promise<LoadOutcome> {
  const limits = { timeout: timeLimitMs, cancelSignal: signal, ...(caFile && { env: trustEnvironment(caFile) }) };
  const child = netns ? startNodeIn(netns, entry, [], limits) : startNode(entry, [], limits);
  const who = `the client of variant "${job.variant}"`;
  // The job goes first; a client that cannot take it fails like one that fails later.
  async function* messages() {
    await child.sendMessage(job as never);
    yield* child.getEachMessage();
  }
  return reportedOutcome(
    child,
    messages(),
    readClientMessage,
    onProgress,
    (error) => clientFailure(error, who, job.variant, timeLimitMs, signal),
    (bad) => new VariantFailure('client-exited', `${who} exited without reporting a result${bad === undefined ? '' : `; it sent: ${JSON.stringify(bad).slice(0, 200)}`}`),
  );
}

/** What a variant's client is given: its scenario (by which a Node client finds its code), the variant, its load (none for a measured command) and where the server is. */
export interface VariantClientJob {
  scenario: string;
  variant: Variant;
  load: LoadSettings | null;
  url: string;
}

/**
 * Runs the variant's client until it ends: a measured command (command-client.ts), the program it
 * names (program-client.ts) or a Node client in a client process; inside `netns` when given, until
 * `signal`. Resolves with what it reported of itself, or null when it reported nothing (a measured
 * command need not).
 */
export function runVariantClient(
  { scenario, variant, load, url }: VariantClientJob,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void,
  { onNote, ...where }: Omit<ClientProcessOptions, 'entry'> & { onNote: (note: string) => void },
): Promise<LoadOutcome | null> {
  if (isCommandVariant(variant)) return runCommandClient(variant, url, timeLimitMs, onProgress, { ...where, onNote });
  if (!load) throw new Error(`variant ${variant.name} of ${scenario} runs a load, and the run has none`);
  return isProgramVariant(variant)
    ? runProgramClient(variant, { url, load }, timeLimitMs, onProgress, where)
    : runClient({ scenario, variant: variant.name, url, load }, timeLimitMs, onProgress, where);
}
