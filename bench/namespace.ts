// The benchmark's own network namespaces: nothing else lives there, so the socket table holds only
// the pile being measured, and the pile disappears with the namespace (no 60 s wait for TIME_WAIT).
// Named `twl-bench-<pid>-<n>`; one whose process is gone is a leftover and removed on the next run.
import { execa } from 'execa';
import { isAlive, namespaceNames } from '../harness/netns.ts';

const PREFIX = 'twl-bench-';
let created = 0;

/** Sysctls set inside the namespace only: a wide port range, and no early reuse of TIME_WAIT ports. */
const SYSCTLS = { 'net.ipv4.ip_local_port_range': '1024 65535', 'net.ipv4.tcp_tw_reuse': '0' };

async function removeLeftovers(): Promise<void> {
  for (const name of await benchNamespaces()) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (pid && !(await isAlive(pid))) await deleteNamespace(name);
  }
}

export type NamespaceOutcome = { name: string } | { unavailable: string };

/** A fresh namespace with loopback up and the bench's sysctls, or why this machine does not allow one. */
export async function createNamespace(): Promise<NamespaceOutcome> {
  if (process.getuid?.() !== 0) return { unavailable: 'creating a network namespace needs root' };
  const name = `${PREFIX}${process.pid}-${++created}`;
  try {
    await removeLeftovers();
    await execa('ip', ['netns', 'add', name]);
  } catch (error) {
    return { unavailable: `ip netns add failed: ${(error as { shortMessage?: string }).shortMessage ?? String(error)}` };
  }
  try {
    await execa('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const settings = Object.entries(SYSCTLS).map(([key, value]) => `${key}=${value}`);
    await execa('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', ...settings]);
    return { name };
  } catch (error) {
    await deleteNamespace(name);
    throw error;
  }
}

export async function deleteNamespace(name: string): Promise<void> {
  await execa('ip', ['netns', 'delete', name]).catch(() => {});
}

/** The bench's namespaces that exist now, of any run (a test checks that none is left). */
export async function benchNamespaces(): Promise<string[]> {
  const names = await namespaceNames().catch(() => []);
  return names.filter((name) => name.startsWith(PREFIX));
}

/** Deletes the namespaces this process made (after an error or a signal). */
export async function deleteOwnNamespaces(): Promise<void> {
  for (const name of await benchNamespaces()) {
    if (name.startsWith(`${PREFIX}${process.pid}-`)) await deleteNamespace(name);
  }
}
