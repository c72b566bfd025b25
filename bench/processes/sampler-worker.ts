// Entry point of one sampler measurement, run in the network namespace it measures (its own, when
// the machine allows): starts the lab's server, piles up TIME_WAIT sockets with the lab's bad
// client, measures every way of reading the table, reports over IPC, and exits.
import { getOneMessage, sendMessage } from 'execa';
import { loadScenario } from '../../harness/scenario/catalog.ts';
import { stopAll } from '../../harness/run/processes.ts';
import { chooseReading, DEFAULT_INTERVAL_MS, sampleOnce } from '../../harness/observe/sampler.ts';
import { startServer } from '../../harness/run/server-process.ts';
import type { SamplerSizeReport } from '../bench-schema.ts';
import type { SamplerPlan } from '../sampler-bench.ts';
import { measureAtInterval, measureMaxRate, measureWays } from '../sampler-measures.ts';
import { WAYS, type Way } from '../socket-table-ways.ts';
import { buildPile, PILE_SCENARIO } from '../time-wait-pile.ts';

export type SamplerJob = Omit<SamplerPlan, 'sizes'> & {
  size: number;
  /** Where the server listens: 0.0.0.0 inside the bench's own namespace, 127.0.0.1 outside. */
  bindHost: string;
  destinations: string[];
  /** Ways left out because a command they need is not installed. */
  skipWays: string[];
};

type PortMeasurement = SamplerSizeReport['pilePort'];

/** The ways that can differ for a port with few sockets in a crowded namespace. */
const IDLE_PORT_WAYS = new Set(['lab sampler', 'ss raw records', 'ss, kernel filter']);

export type SamplerWorkerMessage = { type: 'report'; report: SamplerSizeReport };

async function measurePort(ways: Way[], port: number, job: SamplerJob): Promise<PortMeasurement> {
  const measured = await measureWays(ways, port, job.budgetMsPerWay, job.minReads);
  return { labReading: chooseReading(await sampleOnce(port, 0)), ways: measured };
}

async function measure(job: SamplerJob): Promise<SamplerSizeReport> {
  const { server: settings } = await loadScenario(PILE_SCENARIO);
  const [server, idle] = await Promise.all([startServer(settings, job.bindHost), startServer(settings, job.bindHost)]);
  const t0 = performance.now();
  await buildPile(server.port, job.size, job.destinations);
  const buildMs = Math.round(performance.now() - t0);
  const seen = await sampleOnce(server.port, 0);
  const ways = WAYS.filter((w) => !job.skipWays.includes(w.name));
  const pilePort = await measurePort(ways, server.port, job);
  const idlePort = await measurePort(ways.filter((w) => IDLE_PORT_WAYS.has(w.name)), idle.port, job);
  return {
    size: job.size,
    destinations: job.destinations.length,
    buildMs,
    timeWait: {
      clientSide: seen.clientSide.timeWait ?? 0,
      serverSide: seen.serverSide.timeWait ?? 0,
      namespace: seen.namespaceTimeWait,
    },
    pilePort,
    idlePort,
    maxSamplesPerSec: await measureMaxRate(server.port, job.maxRateMs),
    atDefaultInterval: await measureAtInterval(server.port, DEFAULT_INTERVAL_MS, job.intervalRunMs),
  };
}

// `on`, not `once`: with no listener left but its own, execa's exit hook re-raises the signal.
process.on('SIGTERM', () => void stopAll().finally(() => process.exit(143)));
try {
  const job = (await getOneMessage()) as unknown as SamplerJob;
  const report = await measure(job);
  await sendMessage({ type: 'report', report } satisfies SamplerWorkerMessage as never);
} finally {
  await stopAll();
}
process.disconnect();
