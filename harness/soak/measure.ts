// What the soak measures between its iterations, about itself and the system: this process's open
// file descriptors, its memory after a forced garbage collection, the processes it started that are
// still there (found by a marker in their environment, so orphans count too), the lab namespaces it
// made that still exist, and the TIME_WAIT sockets of this host's network namespace.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { namespacesOf } from '../stage/netns.ts';
import { parseSockstat } from '../shapes/proc-net.ts';
import type { Boundary } from './schema.ts';
import { collectGarbage } from '../shared/heap.ts';

/**
 * Set in this process's environment before anything starts: every process it starts inherits it
 * (execa passes the environment on, `ip netns exec` too), and so do their children, so a process
 * left behind is found even after its parent died and it was adopted by init.
 */
export const SOAK_MARKER = 'TIMEWAIT_LAB_SOAK';

export function markDescendants(): void {
  process.env[SOAK_MARKER] = String(process.pid);
}

/** PIDs of the processes that carry this process's marker (its descendants, and orphans of them). */
export async function markedProcesses(): Promise<number[]> {
  const marker = `${SOAK_MARKER}=${process.pid}`;
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  const marked = await Promise.all(
    pids.map(async (pid) => {
      // A process may end between the listing and the read, or belong to a user we cannot read.
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
      return environ.split('\0').includes(marker) ? [Number(pid)] : [];
    }),
  );
  return marked.flat();
}

/** This process's open file descriptors by kind: `socket`, `pipe`, `anon_inode:[eventpoll]`, a path... */
export async function openFds(): Promise<Record<string, number>> {
  const kinds: Record<string, number> = {};
  for (const fd of await readdir('/proc/self/fd')) {
    // The descriptor readdir itself holds is gone by the time it is read: skip what vanished.
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => null);
    if (target === null) continue;
    // `/dev/null (deleted)`: the same open file, after its name was replaced (e.g. /dev/null re-made).
    const kind = target.replace(/^(socket|pipe):\[\d+\]$/, '$1').replace(/ \(deleted\)$/, '');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/**
 * The figures at an iteration boundary, after a full garbage collection, so what the heap holds is
 * what is still referenced.
 */
export async function measureBoundary(): Promise<Boundary> {
  collectGarbage();
  const memory = process.memoryUsage();
  const status = await readFile('/proc/self/status', 'utf8');
  // `RssAnon:  172 kB` (proc(5)): resident memory the process allocated, and pages of files it
  // mapped (the node binary, libraries), which grow as more of their code is used.
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const fdKinds = await openFds();
  return {
    fds: Object.values(fdKinds).reduce((a, b) => a + b, 0),
    fdKinds,
    rssBytes: memory.rss,
    rssAnonBytes: kB('RssAnon'),
    rssFileBytes: kB('RssFile'),
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    processes: (await markedProcesses()).length,
    namespaces: await namespacesOf(process.pid),
    hostTimeWait: parseSockstat(await readFile('/proc/net/sockstat', 'utf8')).tw,
  };
}
