// Runs a measured client (`npm run measure`): the user's command, as it is, in a process group of its
// own, with the server's address in its environment. It owes the lab nothing: the server counts its
// requests. When it prints the client protocol's lines (harness/shapes/client-protocol.ts) on
// stdout, its progress and outcome are used; any other output is kept out of the way: stdout's is
// dropped, stderr's last lines are kept to say why it failed.
import { VariantFailure } from '../shared/errors.ts';
import { startProcessGroup } from '../process/start.ts';
import { readClientLine, type FinishedLoad, type LoadProgress } from '../shapes/client-protocol.ts';
import type { CommandVariant } from '../scenario/contract.ts';

/** The lines of its output a client keeps for a message: the last few, each cut to a length a terminal shows. */
const TAIL_LINES = 5;
const LINE_CHARS = 300;

/** The environment a measured client finds the server in. */
function targetEnvironment(url: string): Record<string, string> {
  const { hostname, port } = new URL(url);
  // An IPv6 host is in brackets in a URL, and without them everywhere else.
  return { TARGET_URL: url, TARGET_HOST: hostname.replace(/^\[(.*)\]$/, '$1'), TARGET_PORT: port || '80' };
}

/**
 * Each line of a stream of the client's, until it ends. The stream's iterator throws when the
 * client fails; how it ended is read from the client itself.
 */
async function eachLine(lines: AsyncIterable<string>, onLine: (line: string) => void): Promise<void> {
  try {
    for await (const line of lines) onLine(line);
  } catch {
    // The client exited non-zero or was killed: runCommandClient says so.
  }
}

/** The last `TAIL_LINES` non-empty lines of a stream. */
async function tail(lines: AsyncIterable<string>): Promise<string[]> {
  const kept: string[] = [];
  await eachLine(lines, (line) => {
    if (!line.trim()) return;
    kept.push(line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line);
    if (kept.length > TAIL_LINES) kept.shift();
  });
  return kept;
}

/** Reads the client's stdout: its protocol lines, if it prints any; every other line is dropped. */
async function readProtocol(lines: AsyncIterable<string>, onProgress: (progress: LoadProgress) => void): Promise<FinishedLoad | null> {
  let outcome: FinishedLoad | null = null;
  await eachLine(lines, (line) => {
    const read = readClientLine(line);
    if (read && 'progress' in read) onProgress(read.progress);
    else if (read) outcome = read.outcome;
  });
  return outcome;
}

/**
 * Runs the variant's command against `url` (inside `netns` when given) until it exits, its time
 * limit, or `signal`; resolves with what the client reported of itself (client protocol), or null
 * when it reported nothing. A client that exits non-zero, is killed, or runs past its limit is a
 * VariantFailure (a failed variant), with its exit code and last lines on stderr.
 */
export async function runCommandClient(
  variant: CommandVariant,
  url: string,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  { netns, signal }: { netns?: string; signal?: AbortSignal } = {},
): Promise<FinishedLoad | null> {
  const [file, ...args] = variant.argv;
  // `ip netns exec` enters the namespace, then execs the command with its arguments and environment (PATH as the user's).
  const command = netns ? ['ip', 'netns', 'exec', netns, file, ...args] : [file, ...args];
  const child = startProcessGroup(command[0]!, command.slice(1), { timeout: timeLimitMs, cancelSignal: signal, env: targetEnvironment(url) });
  const [reported, stderrTail, ended] = await Promise.all([
    readProtocol(child.iterable({ from: 'stdout' }), onProgress),
    tail(child.iterable({ from: 'stderr' })),
    child.then(
      () => null,
      (error: unknown) => error as { exitCode?: number; signal?: string; timedOut?: boolean; isCanceled?: boolean },
    ),
  ]);
  if (ended?.isCanceled && signal?.reason instanceof VariantFailure) throw signal.reason;
  if (ended?.timedOut) {
    throw new VariantFailure('time-limit', `client "${variant.name}" did not finish within its time limit of ${timeLimitMs / 1000} s and was stopped (raise it with --time-limit-s)`);
  }
  if (ended) {
    const how = ended.signal ? `was killed by ${ended.signal}` : `exited with code ${ended.exitCode}`;
    const last = stderrTail.at(-1);
    throw new VariantFailure('client-exited', `client "${variant.name}" ${how}${last ? `: ${last}` : ''}`, {
      ...(ended.exitCode !== undefined && { exitCode: ended.exitCode }),
      ...(stderrTail.length > 0 && { stderrTail }),
    });
  }
  return reported;
}
