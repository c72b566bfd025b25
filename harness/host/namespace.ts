// The network namespace `npm run observe` reads: its own (the host's, or a container's it runs in),
// a named one (`--netns NAME`, as `ip netns` names them under /run/netns), or the one a process
// lives in (`--pid PID`, so that a container can be observed from its host). Everything is read
// through /proc/<pid>/net of a process inside that namespace (proc(5): it shows that process's
// namespace), which needs no root; for a named namespace the lab starts such a process (`nsenter
// --net=... sleep`) and reads through it. The sysctls are read by a process inside it (they show
// the namespace of the process that opens them, which for another namespace needs root).
import { execFile } from 'node:child_process';
import { readFile, readlink, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { UsageError, MeasurementError } from '../shared/errors.ts';
import { isAlive } from '../process/pids.ts';
import { startProgram } from '../process/start.ts';

export type Where = { kind: 'host' } | { kind: 'netns'; name: string } | { kind: 'pid'; pid: number };

/** The sysctls that set a port budget (ip-sysctl.rst), as read in the observed namespace. */
export interface PortSysctls {
  /** ip_local_port_range: the ephemeral ports a connect() picks from. */
  portRange: { low: number; high: number };
  /** tcp_tw_reuse: 0 off, 1 on, 2 loopback only (the default since Linux 4.x). */
  twReuse: number;
  /** tcp_max_tw_buckets: beyond it the kernel drops TIME_WAIT sockets (TCPTimeWaitOverflow). */
  maxTwBuckets: number;
}

export interface ObservedNamespace {
  where: Where;
  /** In words: "this host's network namespace", "network namespace web", "the network namespace of PID 4121 (nginx)". */
  description: string;
  /** /proc/<pid>/net of a process inside it. */
  procNet: string;
  sysctls: PortSysctls | null;
  /** What could not be read, in words (without root: the sysctls of another namespace). */
  unread: string[];
  /** Why the observation must end now (the observed PID exited), or null. */
  ended(): Promise<string | null>;
}

const execFileAsync = promisify(execFile);
const NETNS_DIR = '/run/netns';
const SYSCTL_FILES = ['ip_local_port_range', 'tcp_tw_reuse', 'tcp_max_tw_buckets'].map((name) => `/proc/sys/net/ipv4/${name}`);
const isRoot = () => process.getuid?.() === 0;

/** The three sysctls from `cat` of SYSCTL_FILES in order: "32768\t60999\n2\n262144\n". */
export function parseSysctls(text: string): PortSysctls {
  const numbers = text.trim().split(/\s+/).map(Number);
  const [low, high, twReuse, maxTwBuckets] = numbers;
  if (numbers.length !== 4 || numbers.some((n) => !Number.isSafeInteger(n) || n < 0) || low! > high!) {
    throw new MeasurementError(`the sysctls ip_local_port_range, tcp_tw_reuse, tcp_max_tw_buckets read as "${text.trim()}", not four whole numbers`);
  }
  return { portRange: { low: low!, high: high! }, twReuse: twReuse!, maxTwBuckets: maxTwBuckets! };
}

/** `cat` of the sysctl files run inside the namespace at `nsPath` (nsenter: root). */
async function sysctlsVia(nsPath: string): Promise<PortSysctls> {
  const { stdout } = await execFileAsync('nsenter', [`--net=${nsPath}`, 'cat', ...SYSCTL_FILES]);
  return parseSysctls(stdout);
}

/** The task name of a process (`/proc/PID/comm`), or null once it is gone. */
export const taskName = (pid: number) => readFile(`/proc/${pid}/comm`, 'utf8').then((text) => text.trim(), () => null);

async function host(): Promise<ObservedNamespace> {
  const sysctls = parseSysctls((await Promise.all(SYSCTL_FILES.map((file) => readFile(file, 'utf8')))).join(' '));
  return { where: { kind: 'host' }, description: "this host's network namespace", procNet: '/proc/self/net', sysctls, unread: [], ended: async () => null };
}

async function ofPid(pid: number): Promise<ObservedNamespace> {
  const name = (await isAlive(pid)) ? await taskName(pid) : null;
  if (name === null) throw new UsageError(`--pid ${pid}: no process has that PID; give the PID of a running process (its network namespace is observed)`);
  const procNet = `/proc/${pid}/net`;
  await readFile(`${procNet}/sockstat`).catch((error: Error) => {
    throw new UsageError(`--pid ${pid}: cannot read ${procNet} (${error.message.split(',')[0]}); run as root (sudo npm run observe ...)`);
  });
  const unread: string[] = [];
  let sysctls: PortSysctls | null = null;
  if (isRoot()) sysctls = await sysctlsVia(`/proc/${pid}/ns/net`);
  else unread.push("the namespace's sysctls (ip_local_port_range, tcp_tw_reuse, tcp_max_tw_buckets): reading another namespace's needs root");
  const ended = async () => ((await isAlive(pid)) ? null : `PID ${pid} exited`);
  return { where: { kind: 'pid', pid }, description: `the network namespace of PID ${pid} (${name})`, procNet, sysctls, unread, ended };
}

/** The inode a namespace is known by: `net:[4026532289]` of /proc/PID/ns/net, the inode of /run/netns/NAME. */
const inodeOfLink = (link: string) => readlink(link).then((text) => /^net:\[(\d+)\]$/.exec(text)?.[1] ?? null, () => null);

async function named(name: string): Promise<ObservedNamespace> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
    throw new UsageError(`--netns ${name}: not a namespace name; names are as ip netns list shows them (letters, digits, . _ -)`);
  }
  const nsPath = `${NETNS_DIR}/${name}`;
  const inode = await stat(nsPath).then((s) => String(s.ino), () => null);
  if (inode === null) throw new UsageError(`--netns ${name}: no such network namespace (ip netns list shows those there are)`);
  if (!isRoot()) throw new UsageError(`--netns ${name}: entering a named network namespace needs root; run as root, or give --pid of a process inside it`);
  // A process that lives in the namespace for the observation, through whose /proc/<pid>/net it is read.
  const holder = startProgram('nsenter', [`--net=${nsPath}`, 'sleep', 'infinity']);
  holder.catch(() => {});
  const pid = holder.pid!;
  // nsenter enters the namespace, then execs sleep: until then its /proc/<pid>/net is still ours.
  for (let tries = 0; (await inodeOfLink(`/proc/${pid}/ns/net`)) !== inode; tries++) {
    if (tries > 200 || !(await isAlive(pid))) throw new MeasurementError(`could not enter network namespace ${name} (nsenter did not get in within 2 s)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    where: { kind: 'netns', name },
    description: `network namespace ${name}`,
    procNet: `/proc/${pid}/net`,
    sysctls: await sysctlsVia(nsPath),
    unread: [],
    ended: async () => ((await stat(nsPath).then(() => true, () => false)) ? null : `network namespace ${name} was deleted`),
  };
}

/** Opens the namespace to observe; a UsageError (exit 2) for a PID or a name that is not there. */
export function openNamespace(where: Where): Promise<ObservedNamespace> {
  if (where.kind === 'pid') return ofPid(where.pid);
  if (where.kind === 'netns') return named(where.name);
  return host();
}
