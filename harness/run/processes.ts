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
type Limits = Pick<Options, 'timeout' | 'cancelSignal'>;
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

const HELPER_OPTIONS = { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: { stdout: false }, forceKillAfterDelay: 2000 } as const;
type Helper = ResultPromise<typeof HELPER_OPTIONS>;

/** Start a long-lived helper program that answers requests written to its stdin on its stdout, tracked like the others. */
export function startHelper(file: string, args: string[]): Helper {
  return track<Helper>(execa(file, args, HELPER_OPTIONS));
}
