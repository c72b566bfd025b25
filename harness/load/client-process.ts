// Runs one variant's client in a process of its own and collects its progress and outcome.
import { clientFailure } from './client-failure.ts';
import { reportedOutcome } from './client-reports.ts';
import { VariantFailure } from '../shared/errors.ts';
import { startNode, startNodeIn } from '../process/start.ts';
import { runProgramClient } from './program-client.ts';
import { trustEnvironment } from '../stage/certificates.ts';
import { isProgramVariant, type Variant } from '../scenario/contract.ts';
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

/** Runs the variant's client: a Node client in a client process, or the program it names; inside `netns` when given, until `signal`. */
export function runVariantClient(
  variant: Variant,
  job: ClientJob,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  where: Omit<ClientProcessOptions, 'entry'> = {},
): Promise<LoadOutcome> {
  return isProgramVariant(variant)
    ? runProgramClient(variant, { url: job.url, load: job.load }, timeLimitMs, onProgress, where)
    : runClient(job, timeLimitMs, onProgress, where);
}
