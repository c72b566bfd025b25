// The observation's connections from the tracer (../observe/tracer.ts), as root: each socket's state
// changes linked by its kernel address (skaddr) into one connection with the process that called
// connect() (the task of CLOSE -> SYN_SENT), which end closed first (ESTABLISHED -> FIN_WAIT1 here,
// -> CLOSE_WAIT there, -> CLOSE a reset), its lifetime (from the connect to that first close) and
// failed connects (SYN_SENT -> CLOSE).
// The tracepoint is global: a connection belongs to the observed namespace when its process lives
// there (/proc/PID/ns/net, read while it runs), else when its 4-tuple was in that namespace's
// socket table, or, inbound, when its local end is one of that namespace's listening ports.
import { readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { startTracer, tracingUnavailability } from '../observe/tracer.ts';
import type { StateChange } from '../observe/state-change.ts';
import { UNKNOWN_TASK } from '../observe/task-names.ts';
import { passes, tupleKey, type ConnectionRecord, type Filters, type ProcessName } from './connections.ts';
import { RowTally } from './row-tally.ts';
import type { ObservedNamespace } from './namespace.ts';
import type { ConnectionSource, NamespaceMembers } from './observe.ts';

interface Traced extends ConnectionRecord {
  openedAtMs: number;
  /** Whether the connecting process lives in the observed namespace; null: not known (gone before it was read, or inbound). */
  inNamespace: boolean | null;
  localKnown: boolean;
  /** Closed, failed or refused: it changes no more. */
  ended: boolean;
  /** Its process looked up (or none to look up: inbound). */
  named: boolean;
}

/**
 * The kernel filter: TCP over IPv4 and IPv6 (AF_INET 2, AF_INET6 10), and only the changes a
 * connection is told by (tcp_states.h: 1 ESTABLISHED, 2 SYN_SENT, 3 SYN_RECV, 7 CLOSE): a connect
 * (-> SYN_SENT, in the task that called it), a failed one (SYN_SENT -> CLOSE), an accept (SYN_RECV ->),
 * and what leaves ESTABLISHED (who closed first, or a reset, with the whole 4-tuple); with --port,
 * that port at either end. The rest of a close (FIN_WAIT2, LAST_ACK, CLOSE) and SYN_SENT ->
 * ESTABLISHED are left in the kernel: about 4 records a connection with both ends here, not 10
 * (measured: each record is about a fifth of the observer's CPU per connection). An outbound
 * connection's local end is known from its first close.
 */
export function observationFilter(port?: number): string {
  const changes = '(family == 2 || family == 10) && (newstate == 2 || (oldstate == 2 && newstate == 7) || oldstate == 1 || oldstate == 3)';
  return port === undefined ? changes : `${changes} && (sport == ${port} || dport == ${port})`;
}

/** How often the tracer's buffer is emptied: each read wakes the observer; 4 MiB a CPU holds seconds of this filter's lines. */
const READ_EVERY_MS = 500;

/** PIDs whose name and namespace are kept for the next connection of the same process. */
const PROCESSES_KEPT = 10_000;

const nsOf = (pid: number | 'self') => readlink(`/proc/${pid}/ns/net`).catch(() => null);

/** A process by its command line while it runs, else by the trace's task name. */
async function processName(pid: number, task: string): Promise<ProcessName> {
  const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').then((text) => text.split('\0').filter(Boolean), () => []);
  return argv.length > 0 ? { pid, name: path.basename(argv[0]!), commandLine: argv.join(' ') } : { pid, name: task, commandLine: null };
}

export async function traceConnections(namespace: ObservedNamespace, filters: Filters): Promise<ConnectionSource | string> {
  const unavailable = await tracingUnavailability();
  if (unavailable) return unavailable;
  const observedNs = await nsOf(namespace.procNet === '/proc/self/net' ? 'self' : Number(namespace.procNet.split('/')[2]));
  const open = new Map<string, Traced>();
  /** Every connection not in the tally yet: open, its process being looked up, or not known yet to be the namespace's. */
  const unsettled = new Set<Traced>();
  const tally = new RowTally();
  // Read once per PID, while the process may still run: its namespace and command line (a PID that
  // is reused by another process within one observation keeps the first one's name). Once read, the
  // next connects of the PID take it at once: a lookup is a promise only for a PID's first.
  const looking = new Map<number, Promise<void>>();
  const known = new Map<number, { ns: string | null; name: ProcessName }>();
  const settleProcess = (conn: Traced, { ns, name }: { ns: string | null; name: ProcessName }) => {
    conn.inNamespace = ns === null || observedNs === null ? null : ns === observedNs;
    conn.process = name;
    conn.named = true;
  };
  const lookUp = (conn: Traced, pid: number, task: string) => {
    const found = known.get(pid);
    if (found) return settleProcess(conn, found);
    let lookup = looking.get(pid);
    if (!lookup) {
      if (known.size > PROCESSES_KEPT) known.clear();
      lookup = Promise.all([nsOf(pid), processName(pid, task)]).then(([ns, name]) => void known.set(pid, { ns, name }));
      looking.set(pid, lookup);
      void lookup.finally(() => looking.delete(pid));
    }
    void lookup.then(() => settleProcess(conn, known.get(pid)!));
  };
  const finish = (conn: Traced, atMs: number) => {
    conn.lifetimeMs = atMs - conn.openedAtMs;
    conn.ended = true;
  };
  const onChange = (c: StateChange) => {
    if (c.oldstate === 'CLOSE' && c.newstate === 'SYN_SENT') {
      const conn: Traced = { direction: 'outbound', local: { address: c.saddr, port: c.sport }, remote: { address: c.daddr, port: c.dport }, process: null, closedFirst: null, lifetimeMs: null, failed: false, openedAtMs: c.atMs, inNamespace: null, localKnown: false, ended: false, named: false };
      open.set(c.skaddr, conn);
      unsettled.add(conn);
      lookUp(conn, c.pid, c.task ?? UNKNOWN_TASK);
      return;
    }
    if (c.oldstate === 'SYN_RECV') {
      const accepted: Traced = { direction: 'inbound', local: { address: c.saddr, port: c.sport }, remote: { address: c.daddr, port: c.dport }, process: null, closedFirst: null, lifetimeMs: null, failed: c.newstate !== 'ESTABLISHED', openedAtMs: c.atMs, inNamespace: null, localKnown: true, ended: false, named: true };
      unsettled.add(accepted);
      if (accepted.failed) finish(accepted, c.atMs);
      else open.set(c.skaddr, accepted);
      return;
    }
    const conn = open.get(c.skaddr);
    if (!conn) return;
    if (c.oldstate === 'SYN_SENT') {
      conn.failed = true;
      open.delete(c.skaddr);
      finish(conn, c.atMs);
    } else if (c.oldstate === 'ESTABLISHED') {
      // Its first close: this end's FIN, the other end's (CLOSE_WAIT), or a reset (CLOSE).
      conn.closedFirst = c.newstate === 'FIN_WAIT1' ? 'local' : c.newstate === 'CLOSE_WAIT' ? 'remote' : 'reset';
      if (!conn.localKnown) Object.assign(conn, { local: { address: c.saddr, port: c.sport }, localKnown: true });
      open.delete(c.skaddr);
      finish(conn, c.atMs);
    }
  };
  const tracer = await startTracer({ label: 'observe', filter: observationFilter(filters.port), onChanges: (changes) => changes.forEach(onChange), everyMs: READ_EVERY_MS });
  let stopped: Promise<void> | null = null;
  return {
    counts(members: NamespaceMembers) {
      /** Whether a connection is the namespace's: null while it may still turn out to be (its 4-tuple or port not seen in the table yet). */
      const belongs = (conn: Traced): boolean | null => {
        if (conn.inNamespace !== null) return conn.inNamespace;
        if (!conn.localKnown) return conn.ended && conn.named ? false : null; // a failed connect of a process gone before it was read
        return (conn.direction === 'inbound' ? members.listener(conn.local) : members.tuple(tupleKey(conn))) || null;
      };
      const pending: Traced[] = [];
      for (const conn of unsettled) {
        const mine = belongs(conn);
        const kept = mine === true && (conn.failed || passes(conn, filters));
        if (mine === false || (mine === true && !kept)) unsettled.delete(conn);
        else if (kept && conn.ended && conn.named) {
          tally.add(conn);
          unsettled.delete(conn);
        } else if (kept) pending.push(conn);
      }
      return tally.counts(pending);
    },
    stop: () =>
      (stopped ??= (async () => {
        await tracer.stop();
        await Promise.allSettled([...looking.values()]);
      })()),
  };
}
