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
const running = new Set<Child>();
const cleanups: (() => Promise<void>)[] = [];

function track(file: string, args: string[], options: Limits): Child {
  const child: Child = execa(file, args, { ...CHILD_OPTIONS, ...options });
  running.add(child);
  child.finally(() => running.delete(child)).catch(() => {});
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
  running.add(child as unknown as Child);
  child.finally(() => running.delete(child as unknown as Child)).catch(() => {});
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
  for (const child of children) child.kill();
  await Promise.allSettled(children);
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
}
