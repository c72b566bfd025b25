// Every process the harness starts is tracked here, so that a normal end, an error or a signal
// ends exactly those processes, by PID, and nothing else; then what the run set up around them
// (its network namespaces) is undone.
import { execa, type Options, type ResultPromise } from 'execa';

const CHILD_OPTIONS = {
  ipc: true,
  serialization: 'json',
  stdin: 'ignore',
  stdout: 'pipe',
  stderr: 'pipe',
  forceKillAfterDelay: 2000,
} as const;
type Limits = Pick<Options, 'timeout' | 'cancelSignal'>;
type Child = ResultPromise<typeof CHILD_OPTIONS & { timeout?: number }>;
/** A process this one started: how to stop it, and its end. */
interface Tracked {
  stop(): void;
  ended: Promise<unknown>;
}
const running = new Set<Tracked>();
const cleanups: (() => Promise<void>)[] = [];

/** Tracks `ended` until it settles; stopAll() calls `stop`. */
function trackProcess(stop: () => void, ended: Promise<unknown>): void {
  const tracked = { stop, ended };
  running.add(tracked);
  ended.finally(() => running.delete(tracked)).catch(() => {});
}

function track(file: string, args: string[], options: Limits): Child {
  const child: Child = execa(file, args, { ...CHILD_OPTIONS, ...options });
  trackProcess(() => child.kill(), child);
  return child;
}

/** Start `node <entry> ...args` (the Node running the harness) with an IPC channel, tracked. */
export function startNode(entry: URL, args: string[], options: Limits = {}): Child {
  return track(process.execPath, [entry.pathname, ...args], options);
}

/**
 * The same inside network namespace `namespace`: `ip netns exec` enters it and execs node, so the
 * PID, the IPC channel and the environment stay those of the node process.
 */
export function startNodeIn(namespace: string, entry: URL, args: string[], options: Limits = {}): Child {
  return track('ip', ['netns', 'exec', namespace, process.execPath, entry.pathname, ...args], options);
}

const PROGRAM_OPTIONS = { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', forceKillAfterDelay: 2000 } as const;
type Program = ResultPromise<typeof PROGRAM_OPTIONS & { timeout?: number; env?: Record<string, string> }>;

/** Start another program (no IPC: it speaks on stdout), tracked like the Node children. */
export function startProgram(file: string, args: string[], options: Limits & { env?: Record<string, string> } = {}): Program {
  const child: Program = execa(file, args, { ...PROGRAM_OPTIONS, ...options });
  trackProcess(() => child.kill(), child);
  return child;
}

// killDescendants: the program starts a process group of its own, and every signal execa sends it
// (its time limit, cancelSignal, kill(), with SIGKILL 2 s after a SIGTERM) goes to the whole group.
const GROUP_OPTIONS = { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false, killDescendants: true, forceKillAfterDelay: 2000 } as const;
type GroupLeader = ResultPromise<typeof GROUP_OPTIONS & { timeout?: number; env?: Record<string, string> }>;

/**
 * Start a program in a process group of its own (a user's command: `sh -c` and what it starts),
 * tracked: its time limit, `cancelSignal` and stopAll() end the whole group, and once it has
 * exited, whatever it left running in its group is killed (a `curl &` the shell did not wait for).
 * Its output is not buffered: read it as it comes (child.iterable).
 */
export function startProcessGroup(file: string, args: string[], options: Limits & { env?: Record<string, string> } = {}): GroupLeader {
  const child: GroupLeader = execa(file, args, { ...GROUP_OPTIONS, ...options });
  const ended = child.finally(() => child.kill('SIGKILL'));
  trackProcess(() => child.kill(), ended);
  return child;
}

/** The last line a dead child wrote on stderr, for a one-line error message. */
export function lastStderrLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown })?.stderr;
  const lines = typeof stderr === 'string' ? stderr.trim().split('\n').filter((l) => l.trim()) : [];
  const meaningful = lines.filter((l) => /error|Error/.test(l));
  return (meaningful.at(-1) ?? lines.at(-1) ?? (error as Error)?.message ?? String(error)).trim();
}

/** How a child that ended on its own ended, for a one-line message: "was killed by SIGKILL", "exited with code 1: <its error>". */
export function howItEnded(ended: unknown): string {
  const { signal, exitCode } = (ended ?? {}) as { signal?: string; exitCode?: number };
  if (signal) return `was killed by ${signal}`;
  const line = lastStderrLine(ended);
  return exitCode === undefined ? `failed: ${line}` : `exited with code ${exitCode}${exitCode === 0 ? '' : `: ${line}`}`;
}

/** Registers what stopAll() must undo once the processes have ended (e.g. delete namespaces). */
export function onStop(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Ends every tracked process (SIGTERM, then SIGKILL after 2 s), waits until they are gone, then cleans up. */
export async function stopAll(): Promise<void> {
  const children = [...running];
  for (const child of children) child.stop();
  await Promise.allSettled(children.map((child) => child.ended));
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
}
