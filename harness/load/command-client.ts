// Runs a measured client (`npm run measure`): the user's command, as it is, in a process group of its
// own, with the server's address in its environment. It owes the lab nothing: the server counts its
// requests. When it prints the client protocol's lines (harness/shapes/client-protocol.ts) on
// stdout, its progress and outcome are used; any other output is kept out of the way: stdout's is
// dropped, stderr's last lines are kept to say why it failed.
import { clientBoundary, leftoverList, processCount, type Leftover } from './client-boundary.ts';
import { followProtocolLines, followTail } from './client-output.ts';
import { VariantFailure } from '../shared/errors.ts';
import { startProcessGroup } from '../process/start.ts';
import { checkClientMessage, MAX_PROTOCOL_LINE_CHARS, type FinishedLoad, type LoadProgress } from '../shapes/client-protocol.ts';
import type { CommandVariant } from '../scenario/contract.ts';
import { trustEnvironment } from '../stage/certificates.ts';

/** A line of a client's stderr that names a TLS failure (curl, OpenSSL, Python's ssl, Go's crypto/tls, Node). */
const TLS_ERROR = /certificate|\bSSL\b|\bTLS\b|x509/i;

/** The environment a measured client finds the server in. */
function targetEnvironment(url: string): Record<string, string> {
  const { hostname, port } = new URL(url);
  // An IPv6 host is in brackets in a URL, and without them everywhere else.
  return { TARGET_URL: url, TARGET_HOST: hostname.replace(/^\[(.*)\]$/, '$1'), TARGET_PORT: port || '80' };
}

/**
 * Reads the client's protocol lines as they come: progress to `onProgress`, its outcome kept; the
 * first line meant as one that is not (a bad field, not JSON, too long) is named once through `onNote`.
 */
function readProtocol(stdout: NodeJS.ReadableStream, onProgress: (progress: LoadProgress) => void, onNote: (note: string) => void) {
  let outcome: FinishedLoad | null = null;
  let warned = false;
  const warn = (what: string) => {
    if (!warned) onNote(`a protocol line was ignored: ${what}`);
    warned = true;
  };
  followProtocolLines(
    stdout,
    (line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return warn('it is not JSON');
      }
      const read = checkClientMessage(value);
      if ('problem' in read) warn(read.problem);
      else if ('progress' in read) onProgress(read.progress);
      else outcome = read.outcome;
    },
    () => warn(`a line is longer than ${MAX_PROTOCOL_LINE_CHARS / 1024} KB`),
  );
  return { get outcome() { return outcome; } };
}

/** What the client left running after it exited, for a note: its PIDs and commands. */
const leftoverNote = (left: Leftover[]) => `it left ${processCount(left)} running after it exited, ended by the lab: ${leftoverList(left)}`;

/**
 * Runs the variant's command against `url` (inside `netns` when given) until it exits, its time
 * limit, or `signal`; resolves with what the client reported of itself (client protocol), or null
 * when it reported nothing. A client that exits non-zero, is killed, or runs past its limit is a
 * VariantFailure (a failed variant), with its exit code and last lines on stderr. What it left
 * running, wherever it went (client-boundary.ts), is ended, and named through `onNote`.
 */
export async function runCommandClient(
  variant: CommandVariant,
  url: string,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  {
    netns,
    signal,
    onNote = () => {},
    caFile,
  }: { netns?: string; signal?: AbortSignal; onNote?: (note: string) => void; caFile?: string | null } = {},
): Promise<FinishedLoad | null> {
  const boundary = await clientBoundary();
  // `ip netns exec` enters the namespace, then execs the command with its arguments and environment
  // (PATH as the user's); the boundary is entered first (ip netns exec hides the host's /sys).
  const command = boundary.wrap(netns ? ['ip', 'netns', 'exec', netns, ...variant.argv] : variant.argv);
  let leftovers: Promise<Leftover[]> = Promise.resolve([]);
  const child = startProcessGroup(command[0]!, command.slice(1), { timeout: timeLimitMs, cancelSignal: signal, env: { ...targetEnvironment(url), ...(caFile && trustEnvironment(caFile)), ...boundary.env } }, () =>
    (leftovers = boundary.end()),
  );
  const reported = readProtocol(child.stdout, onProgress, onNote);
  const stderr = followTail(child.stderr);
  const ended = await child.then(
    () => null,
    (error: unknown) => error as { exitCode?: number; signal?: string; timedOut?: boolean; isCanceled?: boolean },
  );
  const left = await leftovers;
  if (left.length > 0) onNote(leftoverNote(left));
  if (ended?.isCanceled && signal?.reason instanceof VariantFailure) throw signal.reason;
  if (ended?.timedOut) {
    throw new VariantFailure('time-limit', `client "${variant.name}" did not finish within its time limit of ${timeLimitMs / 1000} s and was stopped (raise it with --time-limit-s)`);
  }
  if (ended) {
    const stderrTail = stderr.lines();
    const how = ended.signal ? `was killed by ${ended.signal}` : `exited with code ${ended.exitCode}`;
    // A client that refused the certificate says why before its advice (curl: "SSL certificate problem: ...", then how to fix it): that line names the failure.
    const last = stderrTail.findLast((line) => TLS_ERROR.test(line)) ?? stderrTail.at(-1);
    throw new VariantFailure('client-exited', `client "${variant.name}" ${how}${last ? `: ${last}` : ''}`, {
      ...(ended.exitCode !== undefined && { exitCode: ended.exitCode }),
      ...(stderrTail.length > 0 && { stderrTail }),
    });
  }
  return reported.outcome;
}
