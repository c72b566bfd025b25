// Part 1 of the benchmark: the sampler among piles of TIME_WAIT sockets. Each size gets a fresh pair
// of namespaces, as a namespace run has (harness/stage/netns.ts): the worker (sampler-worker.ts) and
// the pile's clients in the client one, the pile's server in the server one, so that the sampler is
// measured as a namespace run reads (each side's namespace) and as a loopback run reads (the
// client namespace's table). Without the privilege to make them, the worker runs on 127.0.0.1 in
// the host's namespace, among whatever else runs there, and only the loopback reading is measured.
import { isDeepStrictEqual } from 'node:util';
import { execa } from 'execa';
import { LabError } from '../harness/shared/errors.ts';
import { createPair, deletePair, namespaceUnavailability, removeLeftoverNamespaces, SERVER_ADDRESS, type NamespacePair } from '../harness/stage/netns.ts';
import { startNode, startNodeIn } from '../harness/process/start.ts';
import { lastStderrLine } from '../harness/process/tracked.ts';
import { onPath } from '../harness/shared/on-path.ts';
import { WAYS } from './socket-table-ways.ts';
import type { RatedWay, SamplerSection, SamplerSizeReport, SamplerSizeResult, WayCost } from './bench-schema.ts';
import type { SamplerJob, SamplerPlan, SamplerWorkerMessage } from './sampler-job.ts';
import { destinationsFor, SOCKETS_PER_DESTINATION } from './time-wait-pile.ts';
import { formatCount } from '../harness/shared/numbers.ts';

const WORKER = new URL('./entries/sampler-worker.ts', import.meta.url);

/** Sysctls set inside the bench's client namespace only: a wide port range, and no early reuse of TIME_WAIT ports. */
const SYSCTLS = { 'net.ipv4.ip_local_port_range': '1024 65535', 'net.ipv4.tcp_tw_reuse': '0' };

/**
 * A fresh pair of the lab's namespaces (harness/stage/netns.ts, so `npm run clean` and stopAll() see
 * them) with the bench's sysctls on the client side: nothing else lives there, so the socket tables
 * hold only the pile being measured, and the pile disappears with them (no 60 s wait for TIME_WAIT).
 */
async function benchPair(): Promise<NamespacePair> {
  const pair = await createPair();
  try {
    const settings = Object.entries(SYSCTLS).map(([key, value]) => `${key}=${value}`);
    await execa('ip', ['netns', 'exec', pair.client, 'sysctl', '-q', '-w', ...settings]);
  } catch (error) {
    await deletePair(pair);
    throw new LabError(`could not set the bench's sysctls in ${pair.client}: ${lastStderrLine(error)}`);
  }
  return pair;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function rateWays(ways: WayCost[]): RatedWay[] {
  const lab = ways.find((w) => w.name === 'lab sampler');
  return ways.map((way) => {
    const peers = ways.filter((w) => w.information === way.information);
    const cheapestWall = Math.min(...peers.map((w) => w.wallMs));
    const cheapestCpu = Math.min(...peers.map((w) => w.cpuMs.total));
    return {
      ...way,
      ratioToCheapest: {
        wall: round(way.wallMs / Math.max(cheapestWall, 0.01)),
        cpu: round(way.cpuMs.total / Math.max(cheapestCpu, 0.01)),
      },
      agreesWithLab: way.information === 'per-side' && lab ? isDeepStrictEqual(way.found, lab.found) : null,
    };
  });
}

async function runWorker(job: SamplerJob, namespace: string | null): Promise<SamplerSizeReport> {
  const timeout = 120_000 + job.size * 5;
  const child = namespace ? startNodeIn(namespace, WORKER, [], { timeout }) : startNode(WORKER, [], { timeout });
  let report: SamplerSizeReport | undefined;
  try {
    await child.sendMessage(job as never);
    for await (const message of child.getEachMessage()) {
      const m = message as unknown as SamplerWorkerMessage;
      if (m.type === 'report') report = m.report;
    }
    await child;
  } catch (error) {
    throw new LabError(`the sampler measurement at ${formatCount(job.size)} sockets failed: ${lastStderrLine(error)}`);
  }
  if (!report) throw new LabError(`the sampler measurement at ${job.size} sockets exited without a report`);
  return report;
}

export async function benchSampler({ sizes: planned, ...measures }: SamplerPlan, onSize: (size: number) => void = () => {}): Promise<SamplerSection> {
  const notes: string[] = [];
  const skipWays: string[] = [];
  for (const way of WAYS) {
    if (way.needs && !(await onPath(way.needs.command))) {
      skipWays.push(way.name);
      notes.push(`${way.name} skipped: ${way.needs.command} is not installed (${way.needs.install})`);
    }
  }
  const sizes: SamplerSizeResult[] = [];
  const unavailable = await namespaceUnavailability();
  const where: SamplerSection['where'] = unavailable ? 'host namespace, 127.0.0.1' : 'own network namespaces';
  if (unavailable) notes.push(`no network namespace (${unavailable}): piles built on 127.0.0.1 among the host's other sockets`);
  else await removeLeftoverNamespaces();
  for (const size of planned) {
    if (unavailable && size > SOCKETS_PER_DESTINATION) {
      notes.push(`${formatCount(size)} sockets skipped: without a namespace of its own the bench keeps to one address (${formatCount(SOCKETS_PER_DESTINATION)} at most)`);
      continue;
    }
    const pair = unavailable ? null : await benchPair();
    onSize(size);
    try {
      const job: SamplerJob = { ...measures, size, destinations: destinationsFor(size, pair ? SERVER_ADDRESS : null), pair, skipWays };
      const report = await runWorker(job, pair?.client ?? null);
      const rated = (p: SamplerSizeReport['pilePort']) => ({ labReading: p.labReading, ways: rateWays(p.ways) });
      sizes.push({ ...report, pilePort: rated(report.pilePort), idlePort: rated(report.idlePort) });
    } finally {
      if (pair) await deletePair(pair);
    }
  }
  return { where, notes, sizes };
}
