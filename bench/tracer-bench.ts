// Beside the sampler, what the tracer (harness/observe/tracer.ts) costs the harness. On loopback,
// the lab's server and a client process that opens `connections` connections, one request each,
// while this process traces the server's port as a trial does (harness/run/trial-ledger.ts: the
// pages held until the tracer stops): this process's CPU over the load is the tracer's reading (it
// does nothing else meanwhile but receive the server's pushed counts), and decoding the pages and
// building the ledger and its summary afterwards is timed apart. Idle, the tracer still empties its
// buffer every second: that floor is measured over a few seconds with no load. The
// tracepoint's own cost runs in the kernel, in the context of the load's processes and softirqs: it
// is in their CPU, not measured apart here.
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { buildLedger } from '../harness/observe/ledger.ts';
import type { StateChange } from '../harness/observe/state-change.ts';
import { portFilter, startTracer, tracingUnavailability } from '../harness/observe/tracer.ts';
import { connectionsSummary } from '../harness/result/connections.ts';
import { SERVER_DEFAULTS } from '../harness/shapes/server-settings.ts';
import { startServer } from '../harness/stage/server-process.ts';
import type { TracerSection } from './bench-schema.ts';

export interface TracerPlan {
  connections: number;
  /** Client requests in flight at once. */
  concurrency: number;
}

const IDLE_MS = 2000;

/** A client of its own process: `count` GETs to `url`, each on a new connection (agent: false), `concurrency` at a time. */
const CLIENT = `
  const http = require('node:http');
  const [url, count, concurrency] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
  let started = 0;
  const one = () => new Promise((resolve, reject) => http.get(url, { agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject));
  const loop = async () => { while (started < count) { started++; await one(); } };
  Promise.all(Array.from({ length: concurrency }, loop)).catch((error) => { console.error(error.message); process.exit(1); });
`;

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The tracer's CPU, idle and per 1,000 connections, or why it could not be measured (no root, no tracefs). */
export async function benchTracer(plan: TracerPlan): Promise<TracerSection> {
  const whyNot = await tracingUnavailability();
  if (whyNot) return { measured: false, whyNot };
  const server = await startServer({ ...SERVER_DEFAULTS, bodyBytes: 100 });
  try {
    const changes: StateChange[] = [];
    const tracer = await startTracer({ label: `bench-${server.port}`, filter: portFilter(server.port), holdUntilStop: true, onChanges: (batch) => changes.push(...batch) });
    let idle: number;
    let reading: number;
    let loadWallMs: number;
    let stopped: { lost: number; cpuMs: number };
    try {
      const idleFrom = cpuMs();
      await sleep(IDLE_MS);
      idle = cpuMs() - idleFrom;
      const readFrom = cpuMs();
      const t0 = performance.now();
      await execa(process.execPath, ['-e', CLIENT, `http://${server.host}:${server.port}/`, String(plan.connections), String(plan.concurrency)], { stdin: 'ignore' });
      loadWallMs = performance.now() - t0;
      reading = cpuMs() - readFrom;
    } finally {
      // The stop decodes the held pages: a part of building the ledger.
      const stopFrom = cpuMs();
      stopped = { lost: (await tracer.stop()).lost, cpuMs: cpuMs() - stopFrom };
    }
    const { lost } = stopped;
    const accepted = (await server.stats()).connectionsAccepted;
    const buildFrom = cpuMs();
    const ledger = buildLedger(changes, { port: server.port, address: server.host }, 0);
    const summary = connectionsSummary({ connections: ledger, lostEvents: lost }, undefined);
    const ledgerCpuMs = stopped.cpuMs + cpuMs() - buildFrom;
    const per1000 = (ms: number) => Math.round((ms / Math.max(1, accepted)) * 1000 * 10) / 10;
    return {
      measured: true,
      connections: accepted,
      traced: summary.opened ?? 0,
      stateChanges: changes.length,
      lostEvents: lost,
      loadWallMs: Math.round(loadWallMs),
      idleShareOfCore: Math.round((idle / IDLE_MS) * 10_000) / 10_000,
      readCpuMsPer1000: per1000(reading),
      ledgerCpuMsPer1000: per1000(ledgerCpuMs),
    };
  } finally {
    await server.stop();
  }
}

/**
 * The tracer's share of one core beside a load of `perSecond` new connections: its idle floor and its
 * reading per connection (a trial's tracer decodes and builds the ledger once the load is over).
 */
export function tracerShareAt(tracer: Extract<TracerSection, { measured: true }>, perSecond: number): number {
  const perConnectionMs = tracer.readCpuMsPer1000 / 1000;
  return Math.round((tracer.idleShareOfCore + (perSecond * perConnectionMs) / 1000) * 10_000) / 10_000;
}
