// `npm run bench` part observe: what `npm run observe` costs on a host that opens many connections a
// second, beside polling `ss -tan` once a second for the same table. A namespace of its own (as root;
// else loopback in this one, the observer kept to the load's port) gets a load of new connections
// (bench/entries/connect-loop.ts, closed by the client: TIME_WAIT piles up) once the observer, the
// real CLI, reads; its CPU (/proc/<pid>/stat) is read from a second into the load to its end, past
// its start-up; a shell polls `ss -tan` at 1 Hz over the load and reports its own CPU with its
// children's.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { processCpuMs } from '../harness/observe/cpu.ts';
import { createNamespace, deleteNamespace, namespaceUnavailability } from '../harness/stage/netns.ts';
import type { Observation } from '../harness/host/observation-schema.ts';
import type { ObserveSection } from './bench-schema.ts';

export interface ObservePlan {
  rate: number;
  seconds: number;
}

const ROOT = new URL('..', import.meta.url).pathname;
/** Into the load before the observer's CPU is read (its first table, its tracer's first reads); also its window's margin at either end. */
const SETTLE_S = 1;

/** `cmd` inside namespace `ns`, or here when there is none. */
const inside = (ns: string | null, cmd: string[]) => (ns ? ['ip', 'netns', 'exec', ns, ...cmd] : cmd);

/** The shell's utime+stime+cutime+cstime (proc(5)), printed by itself at its end: its own CPU and its ss children's. */
const SS_LOOP = 'i=0; while [ $i -lt "$0" ]; do ss -tan > /dev/null; sleep 1; i=$((i+1)); done; cat /proc/$$/stat';

export async function benchObserve(plan: ObservePlan): Promise<ObserveSection> {
  const ns = (await namespaceUnavailability()) === null ? await createNamespace('observe') : null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-observe-bench-'));
  try {
    const [file, ...args] = inside(ns, [process.execPath, path.join(ROOT, 'bench/entries/connect-loop.ts'), String(plan.rate), String(plan.seconds)]);
    const load = execa(file!, args, { cwd: ROOT, stdin: 'pipe' });
    const port = await new Promise<number>((resolve, reject) => {
      load.stdout.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
      load.then(() => reject(new Error('the load ended before it listened')), reject);
    });
    const out = path.join(dir, 'observation.json');
    const where = ns ? ['--netns', ns] : ['--port', String(port)];
    const duration = String(plan.seconds + 2 * SETTLE_S);
    const observer = execa(process.execPath, [path.join(ROOT, 'harness/commands/observe.ts'), ...where, '--duration', duration, '--out', out], { cwd: ROOT, stdin: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      let text = '';
      observer.stderr.on('data', (chunk: Buffer) => ((text += chunk.toString()), text.includes('observe: reading') && resolve()));
      observer.then(() => reject(new Error(`the observer ended before it read: ${text}`)), reject);
    });
    const pollSeconds = Math.max(1, Math.floor(plan.seconds - 1));
    const [ssFile, ...ssArgs] = inside(ns, ['sh', '-c', SS_LOOP, String(pollSeconds)]);
    const ss = execa(ssFile!, ssArgs, { stdin: 'ignore' });
    load.stdin.end('go\n');
    await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
    const [cpuBefore, t0] = [processCpuMs(observer.pid!), performance.now()];
    await new Promise((resolve) => setTimeout(resolve, (plan.seconds - SETTLE_S) * 1000));
    const [cpuAfter, t1] = [processCpuMs(observer.pid!), performance.now()];
    const [loaded, , polled] = await Promise.all([load, observer, ss]);
    const done = JSON.parse(loaded.stdout.trim().split('\n').at(-1)!) as { opened: number; accepted: number; seconds: number };
    const stat = polled.stdout.trim();
    const ssCpuMs = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).reduce((sum, ticks) => sum + Number(ticks) * 10, 0);
    const observation = JSON.parse(await readFile(out, 'utf8')) as Observation;
    const busiest = observation.rows.find((r) => r.direction === 'outbound');
    if (cpuBefore === null || cpuAfter === null) throw new Error('the observer ended before its CPU could be read');
    return {
      where: ns ? 'own network namespace' : 'loopback, this namespace',
      rateAsked: plan.rate,
      connectionsOpened: done.opened,
      serverAccepted: done.accepted,
      loadSeconds: done.seconds,
      traced: observation.traced,
      observedConnections: busiest?.newConnections ?? 0,
      activeOpensInWindow: observation.counters.activeOpens,
      timeWaitAtEnd: observation.timeWaitNow,
      observerCpuShare: (cpuAfter - cpuBefore) / (t1 - t0),
      ssPollSeconds: pollSeconds,
      ssPollCpuShare: ssCpuMs / (pollSeconds * 1000),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (ns) await deleteNamespace(ns);
  }
}
