// Runs a variant whose client is another program (e.g. clients/go): it gets the load as flags and
// prints the client protocol's messages on stdout, one JSON object per line
// (harness/shapes/client-protocol.ts).
import { clientFailure } from './client-failure.ts';
import { reportedOutcome } from './client-reports.ts';
import { VariantFailure } from '../shared/errors.ts';
import { startProgram } from '../process/start.ts';
import { readClientLine, type LoadOutcome, type LoadProgress } from '../shapes/client-protocol.ts';
import type { ProgramVariant } from '../scenario/contract.ts';
import type { ClientContext } from '../shapes/load-settings.ts';
import { trustEnvironment } from '../stage/certificates.ts';

export async function runProgramClient(
  variant: ProgramVariant,
  context: ClientContext,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  { netns, signal, caFile }: { netns?: string; signal?: AbortSignal; caFile?: string | null } = {},
): Promise<LoadOutcome> {
  const { file, args, env } = variant.program(context);
  // `ip netns exec` enters the namespace, then execs the program with its arguments and environment.
  const command = netns ? ['ip', 'netns', 'exec', netns, file, ...args] : [file, ...args];
  const child = startProgram(command[0]!, command.slice(1), {
    timeout: timeLimitMs,
    cancelSignal: signal,
    env: { ...env, ...(caFile && trustEnvironment(caFile)) },
  });
  const who = `the client program of variant "${variant.name}"`;
  return reportedOutcome(
    child,
    child.iterable({ from: 'stdout' }),
    readClientLine,
    onProgress,
    (error) => clientFailure(error, who, variant.name, timeLimitMs, signal),
    (bad) => new VariantFailure('client-exited', `${who} reported no result${bad ? `; it printed: ${bad.slice(0, 200)}` : ''}`),
  );
}
