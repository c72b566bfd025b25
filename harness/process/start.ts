// Starts the processes the harness runs (servers, clients, agents, helpers), each tracked in
// tracked.ts, so that a normal end, an error or a signal ends exactly those, by PID.
import { execa, type Options, type ResultPromise } from 'execa';
import { track } from './tracked.ts';

const CHILD_OPTIONS = {
  ipc: true,
  serialization: 'json',
  stdin: 'ignore',
  stdout: 'pipe',
  stderr: 'pipe',
  forceKillAfterDelay: 2000,
} as const;
type Limits = Pick<Options, 'timeout' | 'cancelSignal'> & { env?: Record<string, string> };
type Child = ResultPromise<typeof CHILD_OPTIONS & { timeout?: number }>;

function startTracked(file: string, args: string[], options: Limits): Child {
  return track<Child>(execa(file, args, { ...CHILD_OPTIONS, ...options }));
}

/** Start `node <entry> ...args` (the Node running the harness) with an IPC channel, tracked. */
export function startNode(entry: URL, args: string[], options: Limits = {}): Child {
  return startTracked(process.execPath, [entry.pathname, ...args], options);
}

/**
 * The same inside network namespace `namespace`: `ip netns exec` enters it and execs node, so the
 * PID, the IPC channel and the environment stay those of the node process.
 */
export function startNodeIn(namespace: string, entry: URL, args: string[], options: Limits = {}): Child {
  return startTracked('ip', ['netns', 'exec', namespace, process.execPath, entry.pathname, ...args], options);
}

const PROGRAM_OPTIONS = { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', forceKillAfterDelay: 2000 } as const;
type Program = ResultPromise<typeof PROGRAM_OPTIONS & { timeout?: number; env?: Record<string, string> }>;

/** Start another program (no IPC: it speaks on stdout), tracked like the Node children. */
export function startProgram(file: string, args: string[], options: Limits & { env?: Record<string, string> } = {}): Program {
  return track<Program>(execa(file, args, { ...PROGRAM_OPTIONS, ...options }));
}

// killDescendants: the program starts a process group of its own, and every signal execa sends it
// (its time limit, cancelSignal, kill(), with SIGKILL 2 s after a SIGTERM) goes to the whole group.
const GROUP_OPTIONS = { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false, killDescendants: true, forceKillAfterDelay: 2000 } as const;
type GroupLeader = ResultPromise<typeof GROUP_OPTIONS & { timeout?: number; env?: Record<string, string> }>;

/** How long our ends of a group leader's stdout and stderr stay open once it has exited and `afterExit` is done: what holds them then escaped every boundary, and is not waited for. */
const PIPE_GRACE_MS = 1000;

/**
 * Start a program in a process group of its own (a user's command: `sh -c` and what it starts),
 * tracked: its time limit, `cancelSignal` and stopAll() end the whole group, and once it has
 * exited, whatever it left running in its group is killed (a `curl &` the shell did not wait for),
 * then `afterExit` runs (ending what left the group), then the pipes get PIPE_GRACE_MS to close
 * before they are closed on this side: the child's promise settles however its output is held.
 * Its output is not buffered: read it as it comes (child.stdout).
 */
export function startProcessGroup(
  file: string,
  args: string[],
  options: Limits & { env?: Record<string, string> } = {},
  afterExit: () => Promise<unknown> = async () => {},
): GroupLeader {
  const child: GroupLeader = execa(file, args, { ...GROUP_OPTIONS, ...options });
  const closed = new Promise<void>((resolve) => {
    child.nodeChildProcess.once('exit', () => {
      child.kill('SIGKILL');
      void afterExit()
        .catch(() => {})
        .then(() => {
          const timer = setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
          }, PIPE_GRACE_MS);
          void Promise.resolve(child).finally(() => clearTimeout(timer)).catch(() => {});
          resolve();
        });
    });
  });
  // Tracked until what it left is ended and its pipes are closed.
  const ended = Promise.allSettled([child, closed]);
  track({ pid: child.pid, kill: () => child.kill(), then: ended.then.bind(ended) });
  return child;
}

const HELPER_OPTIONS = { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: { stdout: false }, forceKillAfterDelay: 2000 } as const;
type Helper = ResultPromise<typeof HELPER_OPTIONS>;

/** Start a long-lived helper program that answers requests written to its stdin on its stdout, tracked like the others. */
export function startHelper(file: string, args: string[]): Helper {
  return track<Helper>(execa(file, args, HELPER_OPTIONS));
}
