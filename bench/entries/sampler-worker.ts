// Entry point of one sampler measurement, run in the network namespace that holds the pile's
// clients (its own, when the machine allows, with the pile's server in a second one): starts the
// lab's servers and its ss helper, piles up TIME_WAIT sockets with the lab's bad client, measures
// every way of reading the table and the sampler in each mode, reports over IPC, and exits.
import { getOneMessage, sendMessage } from 'execa';
import { loadScenario } from '../../harness/scenario/catalog.ts';
import { stopAll } from '../../harness/process/tracked.ts';
import { procProbe, type Probe } from '../../harness/observe/probes.ts';
import { chooseReading, sampleOnce } from '../../harness/observe/sampler.ts';
import { DEFAULT_INTERVAL_MS } from '../../harness/observe/sampling-interval.ts';
import { SERVER_ADDRESS } from '../../harness/stage/netns.ts';
import { startServer } from '../../harness/stage/server-process.ts';
import { startSsHelper, type SsHelper } from '../../harness/stage/ss-helper.ts';
import type { SamplerSizeReport } from '../bench-schema.ts';
import type { SamplerJob, SamplerWorkerMessage } from '../sampler-job.ts';
import { measureAtInterval, measureFloor, measureMaxRate, measureWays } from '../sampler-measures.ts';
import { WAYS, type Way } from '../socket-table-ways.ts';
import { buildPile, PILE_SCENARIO } from '../time-wait-pile.ts';

type PortMeasurement = SamplerSizeReport['pilePort'];

/** The ways that can differ for a port with few sockets in a crowded namespace. */
const IDLE_PORT_WAYS = new Set(['lab sampler', 'ss raw records', 'ss, kernel filter']);

async function measurePort(ways: Way[], port: number, job: SamplerJob, helper: SsHelper): Promise<PortMeasurement> {
  const measured = await measureWays(ways, port, job.budgetMsPerWay, job.minReads, helper);
  return { labReading: chooseReading(await sampleOnce(port, 0)), ways: measured };
}

async function measure(job: SamplerJob): Promise<SamplerSizeReport> {
  const { server: settings } = await loadScenario(PILE_SCENARIO);
  const [server, idle, helper] = await Promise.all([
    job.pair ? startServer(settings, SERVER_ADDRESS, job.pair.server) : startServer(settings, '127.0.0.1'),
    // Its listener alone, among the pile: in this namespace.
    startServer(settings, '127.0.0.1'),
    startSsHelper(),
  ]);
  const t0 = performance.now();
  await buildPile(server.port, job.size, job.destinations);
  const buildMs = Math.round(performance.now() - t0);
  const seen = await sampleOnce(server.port, 0);
  const ways = WAYS.filter((w) => !job.skipWays.includes(w.name));
  const pilePort = await measurePort(ways, server.port, job, helper);
  const idlePort = await measurePort(ways.filter((w) => IDLE_PORT_WAYS.has(w.name)), idle.port, job, helper);
  // As a loopback run reads: this namespace's table at every sample, through the helper.
  const loopback: Probe[] = [procProbe('both', { procNet: '/proc/net', netns: null, ss: helper.run })];
  // As a namespace run reads: each side's namespace, its counts as files, its table now and then.
  const namespaces: Probe[] | null = job.pair && [
    procProbe('client', { procNet: '/proc/net', netns: job.pair.client, ownNamespace: true, ss: helper.run }),
    procProbe('server', { procNet: `/proc/${server.pid}/net`, netns: job.pair.server, ownNamespace: true, ss: helper.run }),
  ];
  const run = (probes: Probe[]) => measureAtInterval(server.port, DEFAULT_INTERVAL_MS, job.intervalRunMs, probes, helper.pid);
  return {
    size: job.size,
    destinations: new Set(job.destinations).size,
    buildMs,
    timeWait: {
      clientSide: seen.clientSide.timeWait ?? 0,
      serverSide: seen.serverSide.timeWait ?? 0,
      namespace: seen.namespaceTimeWait,
    },
    pilePort,
    idlePort,
    maxSamplesPerSec: await measureMaxRate(server.port, job.maxRateMs, loopback),
    atDefaultInterval: {
      loopback: await run(loopback),
      namespaces: namespaces && (await run(namespaces)),
      floor: await measureFloor((namespaces ?? loopback).map((p) => p.procNet!), DEFAULT_INTERVAL_MS, job.intervalRunMs),
    },
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
