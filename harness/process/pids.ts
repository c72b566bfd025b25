// Whether a process still runs, for telling what a killed run left behind (its network namespaces,
// its temporary files, each named with its PID) from what a live run uses.
import { readFile } from 'node:fs/promises';

/** Whether the process runs: a zombie (killed, not yet reaped by its parent) counts as gone. */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  // `pid (comm) S ...`: the state is the first field after the last ')' (proc(5)).
  return stat !== null && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Of what runs named with their PID made, those whose run is gone (killed before it could clean up). */
export async function ofGoneRuns<T extends { ownerPid: number }>(owned: T[]): Promise<T[]> {
  const gone = await Promise.all(owned.map(async (o) => o.ownerPid !== process.pid && !(await isAlive(o.ownerPid))));
  return owned.filter((_, i) => gone[i]);
}

/** SIGKILL to `pid`, which may have ended meanwhile. */
export function killIfThere(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already (ESRCH).
  }
}
