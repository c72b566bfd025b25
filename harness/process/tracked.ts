// Every process the harness starts is tracked here, so that a normal end, an error or a signal
// ends exactly those processes, by PID, and nothing else; then what the run set up around them
// (its network namespaces) is undone. start.ts starts them; this module does not load execa,
// so a command that starts nothing (`npm run scenario -- --list`) does not load it either.

/** A started process as execa gives it: a promise of its end that can be killed (SIGTERM, then SIGKILL). */
export interface TrackedProcess extends PromiseLike<unknown> {
  readonly pid?: number;
  kill(): unknown;
}

const running = new Set<TrackedProcess>();
const cleanups: (() => Promise<void>)[] = [];

/** Tracks `child` until it ends; returns it. */
export function track<T extends TrackedProcess>(child: T): T {
  running.add(child);
  Promise.resolve(child)
    .finally(() => running.delete(child))
    .catch(() => {});
  return child;
}

/** The PIDs of the tracked processes still running (npm run bench reads their CPU: run/cost-log.ts). */
export const runningPids = (): number[] => [...running].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));

/** Registers what stopAll() must undo once the processes have ended (e.g. delete namespaces). */
export function onStop(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Ends every tracked process (SIGTERM, then SIGKILL after 2 s), waits until they are gone, then cleans up. */
export async function stopAll(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill();
  await Promise.allSettled(children.map((child) => Promise.resolve(child)));
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
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
