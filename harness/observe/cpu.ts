// CPU time of processes, in milliseconds: this one (process.cpuUsage), the children it has waited
// for, and another process by its PID. From /proc/<pid>/stat (proc(5)): fields 14-15 (utime, stime)
// are the process's own, 16-17 (cutime, cstime) those of the children it has waited for, so the
// cost of an `ss` run is there once it has exited. They are in clock ticks (USER_HZ: 100 a second
// on x86 and arm64), so they are read to 10 ms: measure many runs, or long ones.
import { readFileSync } from 'node:fs';

const MS_PER_TICK = 10;

export interface CpuReading {
  /** This process, user + system (process.cpuUsage, microsecond resolution). */
  ownMs: number;
  /** Children this process has waited for, user + system. */
  childrenMs: number;
}

/** utime, stime, cutime, cstime of /proc/<pid>/stat in ms; null when the process is gone. */
function statTimes(pid: number | 'self'): [number, number, number, number] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [fields[11], fields[12], fields[13], fields[14]].map((f) => Number(f) * MS_PER_TICK) as [number, number, number, number];
}

const childrenMs = () => {
  const [, , cutime, cstime] = statTimes('self')!;
  return cutime + cstime;
};

const ownMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Children change only when the event loop reaps one, so reading them first keeps that read out of `ownMs`. */
export function readCpu(): CpuReading {
  const children = childrenMs();
  return { ownMs: ownMs(), childrenMs: children };
}

export function cpuSince(before: CpuReading): CpuReading {
  const own = ownMs();
  return { ownMs: own - before.ownMs, childrenMs: childrenMs() - before.childrenMs };
}

/** All the CPU process `pid` has used so far, with that of the children it has waited for; null once it is gone. */
export function processCpuMs(pid: number): number | null {
  const times = statTimes(pid);
  return times && times.reduce((sum, t) => sum + t, 0);
}
