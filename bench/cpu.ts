// CPU time of this process and of its children, in milliseconds.
// Children: /proc/self/stat fields 16-17 (cutime, cstime) count the CPU of every child this process
// has waited for (proc(5)), so the cost of an `ss` or `netstat` run is there once it has exited.
// They are in clock ticks (USER_HZ: 100 a second on x86 and arm64), so a child's CPU is read to
// 10 ms; measure many runs in a row and divide.
import { readFileSync } from 'node:fs';

const MS_PER_TICK = 10;

export interface CpuReading {
  /** This process, user + system (process.cpuUsage, microsecond resolution). */
  ownMs: number;
  /** Children this process has waited for, user + system. */
  childrenMs: number;
}

function childrenMs(): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * MS_PER_TICK; // fields 16 and 17 of the line
}

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
