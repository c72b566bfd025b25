// What a killed run (SIGKILL: no stop ran) leaves of its measured clients: the cgroups it made,
// `timewait-lab-<pid>-<n>`, with the processes still in them, or processes carrying its mark in their
// environment (client-boundary.ts). `npm run clean` and the next measurement end those processes and
// remove those cgroups, as they do the namespaces of dead runs; a live run's are left alone.
import { readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../process/pids.ts';
import { LabError } from '../shared/errors.ts';
import { printable } from '../shared/printable.ts';
import { cgroup2Mount, cgroupPids, CGROUP_PREFIX, killAll, leftoverList, markedProcesses, processCount, type Leftover } from './client-boundary.ts';

/** `timewait-lab-<pid>-<n>`: the PID of the run that made the cgroup, or the mark. */
const OWNER = new RegExp(`^${CGROUP_PREFIX}(\\d+)-\\d+$`);
/** A cgroup is removable once its last process has exited (cgroups(7): rmdir of a populated cgroup is EBUSY). */
const REMOVE_WITHIN_MS = 2000;

export interface LeftoverClients {
  /** The cgroups removed. */
  cgroups: string[];
  /** The processes ended (in those cgroups, or carrying a dead run's mark). */
  processes: Leftover[];
}

/** Whether `name` is one of the lab's and the run that made it is gone. */
async function ofDeadRun(name: string): Promise<boolean> {
  const owner = OWNER.exec(name);
  return owner !== null && Number(owner[1]) !== process.pid && !(await isAlive(Number(owner[1])));
}

async function removeWhenEmpty(dir: string): Promise<void> {
  const deadline = Date.now() + REMOVE_WITHIN_MS;
  for (;;) {
    try {
      return await rmdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Ends what the measured clients of dead runs left running and removes their cgroups; resolves with what it found. */
export async function removeLeftoverClients(): Promise<LeftoverClients> {
  const mount = await cgroup2Mount();
  const names = mount ? await readdir(mount).catch(() => []) : [];
  const cgroups: string[] = [];
  const processes: Leftover[] = [];
  for (const name of names) {
    if (!(await ofDeadRun(name))) continue;
    const dir = path.join(mount!, name);
    processes.push(...(await killAll(() => cgroupPids(dir))));
    await removeWhenEmpty(dir).catch((error: unknown) => {
      throw new LabError(`could not remove the cgroup ${dir} of a killed run (${(error as NodeJS.ErrnoException).code ?? String(error)}); run it as root: sudo npm run clean`);
    });
    cgroups.push(name);
  }
  const marked = async () => {
    const all = await markedProcesses();
    const dead = await Promise.all(all.map((p) => ofDeadRun(p.mark)));
    return all.filter((_, i) => dead[i]).map((p) => p.pid);
  };
  processes.push(...(await killAll(marked)));
  return { cgroups, processes };
}

/** One line for the terminal (the command lines made printable), or null when nothing was left. */
export function leftoverClientsLine({ cgroups, processes }: LeftoverClients): string | null {
  if (cgroups.length === 0 && processes.length === 0) return null;
  const ended = processes.length > 0 ? `ended ${processCount(processes)} that measured clients of killed runs left running: ${printable(leftoverList(processes))}` : '';
  const removed = cgroups.length > 0 ? `removed ${cgroups.length} cgroups of killed runs: ${cgroups.join(', ')}` : '';
  return [ended, removed].filter(Boolean).join('; ');
}
