// Everything a measured client starts, wherever it goes: a process group, even a session of its own
// (setpgid, setsid), does not take a process out of its cgroup, which only a write to another
// cgroup's `cgroup.procs` does (cgroups(7)). The lab makes a cgroup v2 of its own per client,
// `timewait-lab-<pid>-<n>`, when it may (as root, where cgroup2 is mounted); elsewhere it finds the
// client's processes by a mark in their environment, which children inherit (environ(7)). Once the
// client has exited, what is left inside is killed and named.
import { mkdir, readdir, readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { killIfThere } from '../process/pids.ts';

/** The variable every process of a client inherits when no cgroup holds them: its value names the client's run. */
export const CLIENT_MARK_ENV = 'TIMEWAIT_LAB_CLIENT';
/** The prefix of the lab's cgroups (and of the marks): `npm run clean` removes those of killed runs. */
export const CGROUP_PREFIX = 'timewait-lab-';
/** How long the processes left inside get to be gone once killed: SIGKILL takes milliseconds. */
const END_WITHIN_MS = 2000;

/** A process a client left running after it exited. */
export interface Leftover {
  pid: number;
  command: string;
}

export interface ClientBoundary {
  /** The command that runs `argv` inside the boundary (it enters the cgroup, then execs argv). */
  wrap(argv: string[]): string[];
  /** What the client's environment gets. */
  env: Record<string, string>;
  /** Kills every process still inside (SIGKILL), waits until they are gone, removes the cgroup; resolves with what was found. */
  end(): Promise<Leftover[]>;
}

/** `a process` or `N processes`. */
export const processCount = (left: Leftover[]) => (left.length === 1 ? 'a process' : `${left.length} processes`);
/** Each as `PID command`, the command cut at 200 characters: `41 sh -c ...; 42 curl ...`. */
export const leftoverList = (left: Leftover[]) => left.map((p) => `${p.pid} ${p.command.slice(0, 200) || '(no command line)'}`).join('; ');

let made = 0;

/** Where cgroup2 is mounted, from /proc/self/mounts; null when it is not. */
export async function cgroup2Mount(): Promise<string | null> {
  const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  // `cgroup2 /sys/fs/cgroup cgroup2 rw,... 0 0`: the mount point is the second field (fstab(5)).
  const line = mounts.split('\n').find((l) => l.split(' ')[2] === 'cgroup2');
  return line ? line.split(' ')[1]! : null;
}

const commandOf = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kills the processes `find` lists until it lists none (at most END_WITHIN_MS); resolves with those it found first. */
export async function killAll(find: () => Promise<number[]>): Promise<Leftover[]> {
  const first = await find();
  const found = await Promise.all(first.map(async (pid) => ({ pid, command: await commandOf(pid) })));
  const deadline = Date.now() + END_WITHIN_MS;
  for (let pids = first; pids.length > 0 && Date.now() < deadline; pids = await find()) {
    for (const pid of pids) killIfThere(pid);
    await pause(20);
  }
  return found;
}

/** The PIDs in a cgroup (cgroup.procs: one per line). */
export const cgroupPids = async (dir: string) =>
  (await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').map(Number);

/** The live processes that carry a client's mark in their environment (a zombie has none), with its value. */
export async function markedProcesses(): Promise<{ pid: number; mark: string }[]> {
  const found: { pid: number; mark: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    const mark = environ.split('\0').find((v) => v.startsWith(`${CLIENT_MARK_ENV}=`));
    if (mark) found.push({ pid: Number(entry), mark: mark.slice(CLIENT_MARK_ENV.length + 1) });
  }
  return found;
}

/** A fresh cgroup of the lab's for one client, or null when this process may not make one. */
async function cgroupBoundary(): Promise<ClientBoundary | null> {
  const mount = await cgroup2Mount();
  if (!mount) return null;
  const dir = path.join(mount, `${CGROUP_PREFIX}${process.pid}-${++made}`);
  if (!(await mkdir(dir).then(() => true, () => false))) return null;
  return {
    // The shell writes its own PID into the cgroup, then becomes the client: nothing runs outside it first.
    wrap: (argv) => ['sh', '-c', 'echo $$ > "$0" && exec "$@"', path.join(dir, 'cgroup.procs'), ...argv],
    env: {},
    async end() {
      const found = await killAll(() => cgroupPids(dir));
      await rmdir(dir).catch(() => {});
      return found;
    },
  };
}

/** The boundary of one client: its own cgroup when the lab may make one, else a mark in its environment. */
export async function clientBoundary(): Promise<ClientBoundary> {
  const cgroup = await cgroupBoundary();
  if (cgroup) return cgroup;
  const value = `${CGROUP_PREFIX}${process.pid}-${++made}`;
  return { wrap: (argv) => argv, env: { [CLIENT_MARK_ENV]: value }, end: () => killAll(async () => (await markedProcesses()).filter((p) => p.mark === value).map((p) => p.pid)) };
}
