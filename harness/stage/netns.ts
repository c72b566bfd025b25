// The network namespaces the lab creates for itself, the one place that makes them: per variant a
// server namespace and a client namespace (two "hosts") joined by a veth pair, with addresses from
// 198.18.0.0/15, the range RFC 2544 reserves for benchmarking, and no route anywhere else; and single
// namespaces for the bench. Names carry the lab's prefix and the PID of the run that made them
// (`twlab-<pid>-<n>-<role>`), so a leftover of a killed run can be told from a live run's, `npm run
// clean` and the test suite see every one, and namespaces the lab did not make are never touched.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LabError } from '../shared/errors.ts';
import { isAlive, killIfThere, ofGoneRuns } from '../process/pids.ts';
import { lastStderrLine, onStop } from '../process/tracked.ts';
import { parseCounterTables, pickCounters, type KernelCounters } from '../shapes/proc-net.ts';
import type { Requirement } from '../scenario/contract.ts';

export const NAMESPACE_PREFIX = 'twlab-';
export const SERVER_ADDRESS = '198.18.0.1';
export const CLIENT_ADDRESS = '198.18.0.2';
/** A /30 holds exactly the two ends: the only route in either namespace is to the other end. */
const PREFIX_LENGTH = 30;
/** `twlab-<pid>-<n>-<role>`: the PID of the run that created it. */
const LAB_NAME = new RegExp(`^${NAMESPACE_PREFIX}(\\d+)-`);

/** Set to anything to pretend this process may not create network namespaces (for tests). */
export const PRETEND_UNAVAILABLE_ENV = 'TIMEWAIT_LAB_NO_NETNS';

export interface NamespacePair {
  server: string;
  client: string;
}

// node:child_process, not execa: `npm run scenario -- --list` checks namespaces without loading execa.
const execFileAsync = promisify(execFile);
const ip = (args: string[]) => execFileAsync('ip', args);

const existing = new Set<string>();
/** `ip netns add` commands under way: a stop waits for them, or a namespace made meanwhile would stay. */
const adding = new Set<Promise<unknown>>();
let stopping = false;
let made = 0;
/** `twlab-<pid>-<n>`: unique within this process. */
const nextBase = () => `${NAMESPACE_PREFIX}${process.pid}-${++made}`;
// However the run ends (done, error, Ctrl-C), stopAll() ends the processes in the namespaces, then this.
onStop(async () => {
  stopping = true;
  await Promise.allSettled([...adding]);
  await Promise.allSettled([...existing].map(deleteNamespace));
});

/** Adds a namespace, tracked for deletion at once; none once the run is stopping. */
async function addNamespace(name: string): Promise<void> {
  if (stopping) throw new LabError('the run is stopping: no new network namespace is made');
  const add = ip(['netns', 'add', name]);
  adding.add(add);
  try {
    await add;
    existing.add(name);
  } finally {
    adding.delete(add);
  }
}

/** Runs `ip -n <name> <line>` for each line, in one ip process (`ip -batch -` reads them from stdin). */
function ipIn(name: string, lines: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', ['-n', name, '-batch', '-'], (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve(stdout)));
    child.stdin!.end(`${lines.join('\n')}\n`);
  });
}

/**
 * Deletes a namespace this process made, after every process still inside it (a client's escaped
 * child: ip-netns(8) deletes only the name, a process inside keeps the namespace alive) has ended.
 */
export async function deleteNamespace(name: string): Promise<void> {
  await endProcessesIn(name);
  await ip(['netns', 'delete', name]);
  existing.delete(name);
}

/** What a scenario that sets client sysctls needs (scenario.ts needsNamespaces), as the workshop and --list show it. */
export const NETWORK_NAMESPACES: Requirement = {
  what: 'network namespaces of its own',
  howToGet: 'run as root (sudo npm run ...) or in the lab container (docker compose run --rm lab npm run ...)',
  available: async () => (await namespaceUnavailability()) === null,
  // Each variant creates its own (topology.ts); there is nothing to get ready beforehand.
  prepare: async () => {},
};

/** Why this process cannot create network namespaces, or null when it can (tried for real). */
export async function namespaceUnavailability(): Promise<string | null> {
  if (process.env[PRETEND_UNAVAILABLE_ENV]) return `${PRETEND_UNAVAILABLE_ENV} is set`;
  if (process.platform !== 'linux') return `network namespaces are a Linux feature, this is ${process.platform}`;
  const probe = `${NAMESPACE_PREFIX}${process.pid}-probe`;
  try {
    await ip(['netns', 'add', probe]);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? "'ip' (iproute2) was not found on PATH" : lastStderrLine(error);
  }
  await ip(['netns', 'delete', probe]);
  return null;
}

/**
 * A fresh namespace `twlab-<pid>-<n>-<role>` with `lo` up and nothing else. However the run ends,
 * stopAll() deletes it; deleteNamespace() does it earlier.
 */
export async function createNamespace(role: string): Promise<string> {
  const name = `${nextBase()}-${role}`;
  try {
    await addNamespace(name);
    await ipIn(name, ['link set lo up']);
  } catch (error) {
    if (existing.has(name)) await deleteNamespace(name).catch(() => {});
    throw new LabError(`could not set up the network namespace ${name}: ${lastStderrLine(error)}`);
  }
  return name;
}

/** A fresh server and client namespace joined by veth, `lo` up in each. */
export async function createPair(): Promise<NamespacePair> {
  const pair = await addPair();
  try {
    await linkPair(pair);
  } catch (error) {
    await deletePair(pair);
    throw error;
  }
  return pair;
}

/**
 * A fresh server and client namespace, both tracked, not yet joined: what needs only the
 * namespaces (a process started in one) can start while linkPair() joins them.
 */
export async function addPair(): Promise<NamespacePair> {
  const base = nextBase();
  const pair = { server: `${base}-srv`, client: `${base}-cli` };
  const added = await Promise.allSettled([pair.server, pair.client].map(addNamespace));
  const failed = added.find((result) => result.status === 'rejected');
  if (failed) {
    await deletePair(pair);
    throw new LabError(`could not set up the network namespaces ${pair.server} and ${pair.client}: ${lastStderrLine(failed.reason)}`);
  }
  return pair;
}

/** Joins a pair by veth, each end with its address, `lo` up in each. The caller deletes the pair if this fails. */
export async function linkPair(pair: NamespacePair): Promise<void> {
  try {
    // Both ends are created inside the namespaces: nothing of the pair appears in the host's.
    await ip(['link', 'add', 'veth-srv', 'netns', pair.server, 'type', 'veth', 'peer', 'name', 'veth-cli', 'netns', pair.client]);
    const ends = [
      [pair.server, 'veth-srv', SERVER_ADDRESS],
      [pair.client, 'veth-cli', CLIENT_ADDRESS],
    ] as const;
    await Promise.all(ends.map(([ns, device, address]) => ipIn(ns, [`address add ${address}/${PREFIX_LENGTH} dev ${device}`, `link set ${device} up`, 'link set lo up'])));
  } catch (error) {
    throw new LabError(`could not join the network namespaces ${pair.server} and ${pair.client}: ${lastStderrLine(error)}`);
  }
}

/** Deletes both namespaces (the veth pair goes with them). Processes inside must have ended. */
export async function deletePair(pair: NamespacePair): Promise<void> {
  const results = await Promise.allSettled([pair.server, pair.client].filter((n) => existing.has(n)).map(deleteNamespace));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw new LabError(`could not delete a lab network namespace: ${lastStderrLine(failed.reason)}`);
}

/** The TCP counters of namespace `name`, read by entering it (`ip netns exec`): for when no process of the lab is left in it to read them through. */
export async function readCountersIn(name: string): Promise<KernelCounters> {
  const { stdout } = await ip(['netns', 'exec', name, 'cat', '/proc/net/snmp', '/proc/net/netstat']);
  // Both files are pairs of lines (names, then values) per table: read together, they pair up the same.
  return pickCounters(parseCounterTables(stdout));
}

/** How long the processes of a namespace get to be gone once killed: SIGKILL takes milliseconds. */
const END_WITHIN_MS = 2000;

/** Kills (SIGKILL) every process in namespace `name` (`ip netns pids`) and waits until none is left, at most END_WITHIN_MS. */
async function endProcessesIn(name: string): Promise<void> {
  const deadline = Date.now() + END_WITHIN_MS;
  for (;;) {
    const { stdout } = await ip(['netns', 'pids', name]);
    const pids = stdout.split('\n').filter((line) => /^\d+$/.test(line.trim())).map(Number);
    const alive = (await Promise.all(pids.map(async (pid) => ((await isAlive(pid)) ? [pid] : [])))).flat();
    if (alive.length === 0 || Date.now() > deadline) return;
    for (const pid of alive) killIfThere(pid);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface LabNamespace {
  name: string;
  ownerPid: number;
}

/** The names of every network namespace on this machine. */
export async function namespaceNames(): Promise<string[]> {
  const { stdout } = await ip(['netns', 'list']);
  // One per line: `name` or `name (id: 3)`.
  return stdout
    .split('\n')
    .map((line) => line.trim().split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** The namespaces on this machine that carry the lab's prefix, with the PID of the run that made each. */
export async function labNamespaces(): Promise<LabNamespace[]> {
  return (await namespaceNames()).flatMap((name) => {
    const owner = LAB_NAME.exec(name);
    return owner ? [{ name, ownerPid: Number(owner[1]) }] : [];
  });
}

/** The names of the lab namespaces that the process `pid` made and that exist now. */
export async function namespacesOf(pid: number | undefined): Promise<string[]> {
  return (await labNamespaces()).filter((ns) => ns.ownerPid === pid).map((ns) => ns.name);
}

/** Lab namespaces whose run is gone (killed before it could clean up). */
export async function leftoverNamespaces(): Promise<LabNamespace[]> {
  return ofGoneRuns(await labNamespaces());
}

/** Deletes the leftovers of killed runs; returns their names. A live run's namespaces are left alone. */
export async function removeLeftoverNamespaces(): Promise<string[]> {
  const leftovers = await leftoverNamespaces();
  for (const ns of leftovers) {
    await endProcessesIn(ns.name);
    await ip(['netns', 'delete', ns.name]);
  }
  return leftovers.map((ns) => ns.name);
}
