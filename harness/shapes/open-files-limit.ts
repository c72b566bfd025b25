// This process's limit of open files (RLIMIT_NOFILE), which every process it starts inherits.
// Node raises its soft limit to the hard one at startup (src/node.cc, "Raise the open file
// descriptor limit"), and Go does the same (since 1.19), so the limit that counts is the hard one,
// `ulimit -Hn`; the lab reads it as this process's soft limit, already raised.
import { readFileSync } from 'node:fs';

/**
 * Files a process holds besides its connections: a Node process holds about 25 before it opens one
 * (stdio, the IPC channel, epoll, io_uring and libuv's pipes), a few more to read /proc or answer
 * on its control endpoint. The server stops itself when it would need more (servers/serve.ts).
 */
export const OWN_FILES = 32;
/** The soft limit of "Max open files" in /proc/<pid>/limits (proc(5)); Infinity when "unlimited". */
export function parseOpenFilesLimit(limits: string): number {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === 'unlimited') return Infinity;
  if (soft === undefined || !/^\d+$/.test(soft)) throw new Error(`no "Max open files" limit in /proc/self/limits: ${line ?? limits.slice(0, 80)}`);
  return Number(soft);
}

/** This process's limit, which every process it starts inherits. */
export const openFilesLimit = () => parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));

