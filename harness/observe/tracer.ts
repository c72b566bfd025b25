// The tracer: every TCP state change the kernel makes that a filter selects, read from a tracing
// instance of the lab's own (tracefs `instances/NAME`, a private ring buffer beside any other user
// of tracing) with the tracepoint `sock:inet_sock_set_state` enabled and its `filter` set, so that
// the kernel drops what was not asked for before writing it. Reading is in bulk and binary: each CPU's
// ring buffer (`per_cpu/cpuN/trace_pipe_raw`, opened non-blocking) is emptied a page at a time every
// `everyMs`, each page walked (./trace-page.ts) and its records decoded by the offsets of the
// events' `format` files (./state-change.ts; with `resetFilter`, the resets of tcp:tcp_receive_reset
// and tcp:tcp_send_reset too): the kernel formats no text and the lab parses none, and IPv6 is read
// as well as IPv4. Batches are in time order across CPUs; the connecting task's name is
// looked up by its thread id (./task-names.ts). With `holdUntilStop` (a trial's ledger, wanted only
// once the load is over) the pages are kept as read and decoded when the tracer stops, so that
// beside the load the tracer costs a read a page and nothing more. No process is started. It needs
// root and tracefs (mounted on demand at /sys/kernel/tracing); without them, tracingUnavailability()
// says why. Instances are named `twlab-<pid>-<n>-<label>` with the PID of the run that made them,
// like the lab's network namespaces (stage/netns.ts): stop() removes one, every way a run ends
// removes all of this process's (stopAll), and removeLeftoverInstances() removes a killed run's.
//
//   const tracer = await startTracer({ label: 'demo', filter: portFilter(8080), onChanges: (c) => ... });
//   ...; const { lost, unknown } = await tracer.stop();
//
// Limits: the tracepoint is global, so the filter (ports, addresses) is what tells one run's
// connections from another's.
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../shared/errors.ts';
import { ofGoneRuns } from '../process/pids.ts';
import { onStop } from '../process/tracked.ts';
import { parsePageLayout } from './event-format.ts';
import { decoderOf, type SocketReset, type StateChange } from './state-change.ts';
import { taskNamer } from './task-names.ts';
import { readPage } from './trace-page.ts';

export const TRACEFS = '/sys/kernel/tracing';
const INSTANCES = path.join(TRACEFS, 'instances');
const EVENT = 'events/sock/inet_sock_set_state';
/** A socket's reset (state-change.ts says why the ledger needs them): one has the same port fields, not the states; */
const RESET_EVENT = 'events/tcp/tcp_receive_reset';
/** the other has no ports (its addresses are sockaddrs): the resets sent by a socket are all kept, joined by skaddr later. */
const SENT_RESET_EVENT = 'events/tcp/tcp_send_reset';
const SENT_BY_A_SOCKET = 'skaddr != 0';
const EVENTS = [EVENT, RESET_EVENT, SENT_RESET_EVENT];
export const INSTANCE_PREFIX = 'twlab-';
/** `twlab-<pid>-<n>-<label>`: the PID of the run that made it. */
const LAB_INSTANCE = new RegExp(`^${INSTANCE_PREFIX}(\\d+)-\\d+-`);
/** Set to anything to pretend this process may not trace (for tests of what a result says then). */
export const PRETEND_UNTRACEABLE_ENV = 'TIMEWAIT_LAB_NO_TRACING';
/** How often the instance's buffer is emptied by default: at 5,000 connections/s, about 11,000 records between reads. */
export const DEFAULT_READ_EVERY_MS = 200;
/**
 * How often when the pages are held until the stop: reading decodes nothing then, so fewer wakes
 * cost less; the buffer (BUFFER_KB_PER_CPU, about 55,000 records a CPU) still holds several times a
 * second's worth at the catalogue's highest rates (about 1,300 new connections/s, 11 records each).
 */
export const HOLDING_READ_EVERY_MS = 1000;
/**
 * The pages a tracer holds until it stops, at most: about 262,000 connections of a kilobyte (a
 * measured client may run for an hour). Past it the trace is dropped whole rather than kept in part:
 * a ledger of some of the connections would disagree with every count beside it.
 */
export const HELD_BYTES_MAX = 256 * 1024 * 1024;
/** Each CPU's ring buffer in the instance (KiB): several reads' worth at the catalogue's highest rates (76 bytes a record). */
const BUFFER_KB_PER_CPU = 4096;

const execFileAsync = promisify(execFile);

export interface TracerOptions {
  /** A word for the instance's name (letters, digits, dashes). */
  label: string;
  /** The event's kernel filter (tracefs filter syntax over the event's fields), e.g. portFilter(port). */
  filter: string;
  /**
   * When given, resets are traced too: tcp:tcp_receive_reset with this filter over its fields
   * (skaddr, sport, dport, family, ...), and every reset a socket sent (tcp:tcp_send_reset).
   */
  resetFilter?: string;
  /** Called with each batch of state changes and resets, in the order the kernel wrote them per CPU. */
  onChanges(changes: StateChange[], resets: SocketReset[]): void;
  everyMs?: number;
  /**
   * Keep the pages as the kernel wrote them (about 1 KB a connection) and decode them all when the
   * tracer stops, in one batch: nothing is decoded while the traced load runs.
   */
  holdUntilStop?: boolean;
  /** At most this many bytes of pages held (default HELD_BYTES_MAX); past it none are kept, and the stop says so. */
  heldBytesMax?: number;
}

/** What a tracer could not give: events the kernel dropped (buffer full), records it did not know. */
export interface TracerLosses {
  lost: number;
  unknown: number;
  /** Why the first record that was not a state change (or a page that could not be walked) was refused, for a message. */
  firstUnknown: string | null;
  /** With holdUntilStop: the pages outgrew heldBytesMax, so none were kept (nothing was handed over). */
  heldTooMuch?: true;
}

export interface Tracer {
  /** The instance's name under instances/. */
  readonly instance: string;
  /** Stops tracing, hands over what was still in the buffer, removes the instance. */
  stop(): Promise<TracerLosses>;
  /**
   * Reads now if the tracer's own timer would fire within `withinMs`, and pushes that timer back: for
   * a process that wakes every `withinMs` anyway (the sampler), so that the tracer does not wake it
   * once more. Each wake of the harness costs CPU beside the load (1.5 to 2 ms after a while asleep,
   * docs/bench.md), more than a read of the buffers.
   */
  readIfDueWithin(withinMs: number): void;
}

/** The kernel filter for every connection to or from `port`: CLOSE -> SYN_SENT has sport 0 and dport `port`. */
export function portFilter(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new LabError(`a traced port is 1 to 65535, not ${port}`);
  return `sport == ${port} || dport == ${port}`;
}

/** Mounts tracefs where the lab reads it, when it is not (a fresh machine or container); only root may. */
async function mountTracefs(): Promise<void> {
  if (await access(INSTANCES).then(() => true, () => false)) return;
  await execFileAsync('mount', ['-t', 'tracefs', 'nodev', TRACEFS]).catch(() => {});
}

/** Why this process cannot trace TCP state changes, or null when it can. */
export async function tracingUnavailability(): Promise<string | null> {
  if (process.env[PRETEND_UNTRACEABLE_ENV]) return `${PRETEND_UNTRACEABLE_ENV} is set`;
  if (process.platform !== 'linux') return `tracing TCP state changes needs Linux's tracefs, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'tracing TCP state changes needs root (tracefs); run as root (sudo npm run ...) for the connection ledger';
  await mountTracefs();
  if (!(await access(INSTANCES, constants.W_OK).then(() => true, () => false))) return `tracefs is not mounted at ${TRACEFS} and could not be (mount -t tracefs nodev ${TRACEFS})`;
  for (const [event, since] of [[EVENT, '4.16'], [RESET_EVENT, '4.15'], [SENT_RESET_EVENT, '4.15']] as const) {
    const name = event.replace(/^events\/(\w+)\//, '$1:');
    if (!(await access(path.join(TRACEFS, event, 'format')).then(() => true, () => false))) return `this kernel has no tracepoint ${name} (Linux ${since} or later has it)`;
  }
  return null;
}

/** The instances this process made and has not removed: how to stop each, and how to remove it at once. */
const live = new Map<string, { stop(): Promise<TracerLosses>; removeNow(): void }>();
let made = 0;
// However the run ends (done, error, a signal), stopAll() removes the instances still here; and
// when the process exits before that is done (stopAndExit gives up after its time), the exit hook
// removes them synchronously, the only way code runs at 'exit'.
onStop(async () => {
  await Promise.allSettled([...live.values()].map((instance) => instance.stop()));
});
process.on('exit', () => {
  for (const instance of live.values()) instance.removeNow();
});

/** Turns the instance's events off, so that nothing more is written. */
const disable = (dir: string) => Promise.all(EVENTS.map((event) => writeFile(path.join(dir, event, 'enable'), '0').catch(() => {})));

/** Removes an instance: its events off first (rmdir refuses one in use). */
async function removeInstance(dir: string): Promise<void> {
  await disable(dir);
  await rmdir(dir);
}

/** The lost-events counters of an instance's CPUs (`per_cpu/cpuN/stats`: `overrun` and `dropped events`). */
async function overruns(dir: string): Promise<number> {
  const cpus = await readdir(path.join(dir, 'per_cpu')).catch(() => []);
  const stats = await Promise.all(cpus.map((cpu) => readFile(path.join(dir, 'per_cpu', cpu, 'stats'), 'utf8').catch(() => '')));
  return stats.reduce((sum, text) => sum + [...text.matchAll(/^(?:overrun|dropped events): (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0), 0);
}

/** Starts tracing into an instance of the lab's own; throws a LabError when it cannot (tracingUnavailability() says why beforehand). */
export async function startTracer(options: TracerOptions): Promise<Tracer> {
  if (!/^[a-z0-9-]{1,40}$/.test(options.label)) throw new LabError(`a tracer's label is 1 to 40 lowercase letters, digits or dashes, not '${options.label}'`);
  const instance = `${INSTANCE_PREFIX}${process.pid}-${++made}-${options.label}`;
  const dir = path.join(INSTANCES, instance);
  /** Each CPU's trace_pipe_raw, open while tracing; the decoder and page layout read from the instance when it starts. */
  let pipes: number[] = [];
  let reader: Awaited<ReturnType<typeof readerOf>> | null = null;
  const losses: TracerLosses = { lost: 0, unknown: 0, firstUnknown: null };
  const refuse = (why: string) => {
    losses.unknown += 1;
    losses.firstUnknown ??= why;
  };
  let timer: NodeJS.Timeout | undefined;
  const everyMs = options.everyMs ?? (options.holdUntilStop ? HOLDING_READ_EVERY_MS : DEFAULT_READ_EVERY_MS);
  let lastReadAt = performance.now();
  let batch: StateChange[] = [];
  let resets: SocketReset[] = [];
  /** Pages read and not yet decoded (holdUntilStop), each CPU's in the order read; their bytes. */
  const held: Buffer[] = [];
  let heldBytes = 0;
  const heldBytesMax = options.heldBytesMax ?? HELD_BYTES_MAX;
  const nameTasks = taskNamer(TRACEFS, { savedFirst: options.holdUntilStop });

  /** Hands over what was decoded since the last time, in time order. */
  const handOver = () => {
    if (batch.length === 0 && resets.length === 0) return;
    const changes = batch.sort((a, b) => a.atMs - b.atMs);
    const reset = resets.sort((a, b) => a.atMs - b.atMs);
    [batch, resets] = [[], []];
    nameTasks(changes);
    options.onChanges(changes, reset);
  };
  /** Empties every CPU's buffer, a page a read, until the kernel has nothing more (EAGAIN); decodes and hands over the batch unless the pages are held. */
  const readNow = () => {
    if (!reader) return;
    lastReadAt = performance.now();
    for (const fd of pipes) reader.read(fd);
    if (!options.holdUntilStop) handOver();
  };
  /** A read between the start and the stop, as its timer makes it: a pipe that fails is counted (refuse); nothing thrown escapes. */
  const readQuietly = () => {
    try {
      readNow();
    } catch {}
  };
  /** Reads the page layout and the enabled events' formats from the instance: a reader of one CPU's pipe, and the decoder of a page. */
  const readerOf = async (enabled: string[]) => {
    const text = (file: string) => readFile(path.join(dir, file), 'utf8');
    const header = await text('events/header_page');
    const decodeRecord = decoderOf(await Promise.all(enabled.map((event) => text(path.join(event, 'format')))));
    const layout = parsePageLayout(header);
    const decode = (page: Buffer) => {
      const read = readPage(page, layout, (timeNs, at, length) => {
        const decoded = decodeRecord(page, at, length, timeNs);
        if (decoded.kind === 'change') batch.push(decoded.change);
        else if (decoded.kind === 'reset') resets.push(decoded.reset);
        else refuse(decoded.why);
      });
      losses.lost += read.lost;
      if (read.malformed) refuse(read.malformed);
    };
    // A held page keeps the buffer it was read into; a page decoded at once reuses one.
    let page = Buffer.alloc(layout.pageSize);
    const read = (fd: number) => {
      for (;;) {
        let bytesRead: number;
        try {
          bytesRead = readSync(fd, page, 0, page.length, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') refuse(`a read of the trace failed: ${(error as Error).message}`);
          return;
        }
        if (bytesRead === 0) return;
        if (!options.holdUntilStop) decode(page.subarray(0, bytesRead));
        else if (!losses.heldTooMuch) {
          held.push(page.subarray(0, bytesRead));
          page = Buffer.allocUnsafe(layout.pageSize);
          heldBytes += bytesRead;
          // Read on and drop what comes, so that the kernel's buffer never overflows meanwhile.
          if (heldBytes > heldBytesMax) {
            losses.heldTooMuch = true;
            held.length = 0;
          }
        }
      }
    };
    return { read, decodeHeld: () => held.splice(0).forEach(decode) };
  };
  const closePipes = () => {
    for (const fd of pipes) {
      try {
        closeSync(fd);
      } catch {}
    }
    pipes = [];
  };

  // Setting up is a chain of writes into the instance; a stop that comes in the middle (a signal)
  // waits for it, since the kernel refuses to remove an instance while one of its files is open.
  let settingUp: Promise<void> = Promise.resolve();
  let stopped: Promise<TracerLosses> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      await settingUp.catch(() => {});
      clearInterval(timer);
      await disable(dir);
      try {
        readNow();
        reader?.decodeHeld();
        handOver();
      } catch {}
      losses.lost = Math.max(losses.lost, await overruns(dir));
      closePipes();
      reader = null;
      // Its events are off already (above).
      await rmdir(dir).catch(() => {});
      live.delete(instance);
      return losses;
    })());
  const removeNow = () => {
    for (const event of EVENTS) {
      try {
        writeFileSync(path.join(dir, event, 'enable'), '0');
      } catch {}
    }
    closePipes();
    try {
      rmdirSync(dir);
    } catch {}
  };
  // Known before the instance exists, so that a stop in the middle of making it still removes it.
  live.set(instance, { stop, removeNow });

  settingUp = (async () => {
    await mountTracefs();
    await mkdir(dir).catch((error: Error) => {
      throw new LabError(`could not make the tracing instance ${instance}: ${error.message}`);
    });
    // CLOCK_MONOTONIC, the clock of process.hrtime(): the lab's own times and the kernel's line up.
    await writeFile(path.join(dir, 'trace_clock'), 'mono');
    await writeFile(path.join(dir, 'buffer_size_kb'), String(BUFFER_KB_PER_CPU));
    const filters = new Map([[EVENT, options.filter], ...(options.resetFilter === undefined ? [] : ([[RESET_EVENT, options.resetFilter], [SENT_RESET_EVENT, SENT_BY_A_SOCKET]] as const))]);
    for (const [event, filter] of filters) {
      await writeFile(path.join(dir, event, 'filter'), filter).catch(() => {
        throw new LabError(`the kernel refused the tracing filter '${filter}'`);
      });
    }
    reader = await readerOf([...filters.keys()]);
    const cpus = (await readdir(path.join(dir, 'per_cpu'))).filter((name) => /^cpu\d+$/.test(name));
    for (const cpu of cpus) pipes.push(openSync(path.join(dir, 'per_cpu', cpu, 'trace_pipe_raw'), constants.O_RDONLY | constants.O_NONBLOCK));
    for (const event of filters.keys()) await writeFile(path.join(dir, event, 'enable'), '1');
  })();
  try {
    await settingUp;
  } catch (error) {
    await stop();
    throw error instanceof LabError ? error : new LabError(`could not set up the tracing instance ${instance}: ${(error as Error).message}`);
  }
  // A stop that came while setting up has already taken the instance down: nothing to read then.
  if (!stopped) {
    timer = setInterval(readQuietly, everyMs);
    timer.unref();
  }
  const readIfDueWithin = (withinMs: number) => {
    if (stopped || !timer || lastReadAt + everyMs - performance.now() > withinMs) return;
    readQuietly();
    timer.refresh();
  };
  return { instance, stop, readIfDueWithin };
}

export interface LabInstance {
  name: string;
  ownerPid: number;
}

/** The tracing instances on this machine that carry the lab's prefix, with the PID of the run that made each. */
export async function labInstances(): Promise<LabInstance[]> {
  const names = await readdir(INSTANCES).catch(() => []);
  return names.flatMap((name) => {
    const owner = LAB_INSTANCE.exec(name);
    return owner ? [{ name, ownerPid: Number(owner[1]) }] : [];
  });
}

/** Lab instances whose run is gone (killed before it could clean up). */
export async function leftoverInstances(): Promise<LabInstance[]> {
  return ofGoneRuns(await labInstances());
}

/** Removes the instances of killed runs; returns their names. A live run's instances are left alone. */
export async function removeLeftoverInstances(): Promise<string[]> {
  const leftovers = await leftoverInstances();
  for (const leftover of leftovers) await removeInstance(path.join(INSTANCES, leftover.name));
  return leftovers.map((i) => i.name);
}
