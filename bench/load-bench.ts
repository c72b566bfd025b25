// Part 2 of the benchmark: the lab's load against the tools people already use. One server, one
// request count and one concurrency for every tool, one tool after another; each tool's own count
// is checked against the server's count of requests it served and connections it accepted.
import autocannon from 'autocannon';
import { loadScenario } from '../harness/scenario/catalog.ts';
import { runClient } from '../harness/load/client-process.ts';
import { defaultTimeLimitMs } from '../harness/load/load.ts';
import type { LoadSettings } from '../harness/shapes/load-settings.ts';
import { startServer, type RunningServer } from '../harness/stage/server-process.ts';
import type { LoadSection, ToolResult } from './bench-schema.ts';
import { onPath } from '../harness/shared/on-path.ts';
import { runWrk } from './wrk.ts';
import { benchRate, type RatePlan } from './rate-bench.ts';
import { formatCount } from '../harness/shared/numbers.ts';

const FETCH_CLIENT = new URL('./entries/fetch-client.ts', import.meta.url);
/** The lab's fixed node:http client; its scenario's server settings serve every tool. */
const FIXED_CLIENT = { scenario: 'no-body-close', variant: 'good' };

export interface LoadPlan {
  requests: number;
  concurrency: number;
  rate: RatePlan;
}

/** What a tool says about its own run. */
interface ToolCount {
  responses: number;
  failed: number;
  durationMs: number;
}

interface Tool {
  name: string;
  /** What the tool does, in a few words. */
  how: string;
  run(url: string, plan: LoadPlan): Promise<ToolCount>;
}

const steady = (plan: LoadPlan): LoadSettings => ({ requests: plan.requests, concurrency: plan.concurrency, pattern: 'steady', burstGapMs: 0 });
const timeLimitMs = (plan: LoadPlan) => defaultTimeLimitMs(steady(plan));

/**
 * autocannon notices that it is done only at its next sample tick (lib/run.js: sampleInt, 1 s by
 * default), so its duration is rounded up to whole seconds; 10 ms ticks make it honest for short runs.
 */
const AUTOCANNON_SAMPLE_MS = 10;

async function autocannonRun(url: string, plan: LoadPlan, reconnectRate?: number): Promise<ToolCount> {
  const result = await autocannon({
    url,
    connections: plan.concurrency,
    amount: plan.requests,
    sampleInt: AUTOCANNON_SAMPLE_MS,
    ...(reconnectRate && { reconnectRate }),
  });
  return {
    responses: result.requests.total,
    failed: result.errors + result.timeouts + result.non2xx,
    durationMs: result.duration * 1000,
  };
}

const TOOLS: Tool[] = [
  {
    name: 'lab node:http (fixed)',
    how: 'no-body-close "good": keep-alive agent, body read',
    run: async (url, plan) => {
      const o = await runClient({ ...FIXED_CLIENT, url, load: steady(plan) }, timeLimitMs(plan));
      return { responses: o.ok + o.failed, failed: o.failed, durationMs: o.durationMs };
    },
  },
  {
    name: 'lab fetch',
    how: 'global fetch (undici), body read',
    run: async (url, plan) => {
      const job = { scenario: 'bench', variant: 'fetch', url, load: steady(plan) };
      const o = await runClient(job, timeLimitMs(plan), () => {}, { entry: FETCH_CLIENT });
      return { responses: o.ok + o.failed, failed: o.failed, durationMs: o.durationMs };
    },
  },
  { name: 'autocannon', how: 'programmatic API, keep-alive', run: (url, plan) => autocannonRun(url, plan) },
  {
    name: 'autocannon, reconnectRate 1',
    how: 'a new connection for every request',
    run: (url, plan) => autocannonRun(url, plan, 1),
  },
  {
    name: 'wrk',
    how: '1 thread, keep-alive, Lua stop at the count',
    run: async (url, plan) => {
      const w = await runWrk(url, plan.requests, plan.concurrency, Math.ceil(timeLimitMs(plan) / 1000));
      const e = w.errors;
      return { responses: w.responses, failed: e.connect + e.read + e.write + e.status + e.timeout, durationMs: w.durationUs / 1000 };
    },
  },
];

async function measureTool(tool: Tool, server: RunningServer, plan: LoadPlan): Promise<Omit<ToolResult, 'ratioToAutocannon'>> {
  const before = await server.stats();
  const count = await tool.run(`http://${server.host}:${server.port}/`, plan);
  const after = await server.stats();
  const served = after.requestsServed - before.requestsServed;
  return {
    name: tool.name,
    how: tool.how,
    ...count,
    durationMs: Math.round(count.durationMs),
    reqPerSec: Math.round(count.durationMs > 0 ? (count.responses * 1000) / count.durationMs : 0),
    server: { requestsServed: served, connectionsAccepted: after.connectionsAccepted - before.connectionsAccepted },
    agrees: count.responses === served,
    disagreement: count.responses === served ? null : `${tool.name} counted ${formatCount(count.responses)} responses; the server served ${formatCount(served)} requests`,
  };
}

export async function benchLoad(plan: LoadPlan, onTool: (name: string) => void = () => {}): Promise<LoadSection> {
  const skipped: LoadSection['skipped'] = [];
  const tools: Tool[] = [];
  for (const tool of TOOLS) {
    if (tool.name === 'wrk' && !(await onPath('wrk'))) skipped.push({ name: 'wrk', why: 'not installed (Debian: apt-get install wrk)' });
    else tools.push(tool);
  }
  const server = await startServer((await loadScenario(FIXED_CLIENT.scenario)).server, '127.0.0.1');
  const measured = [];
  let rate: LoadSection['rate'];
  try {
    for (const tool of tools) {
      onTool(tool.name);
      measured.push(await measureTool(tool, server, plan));
    }
    rate = await benchRate(server, plan.rate, onTool);
  } finally {
    await server.stop();
  }
  const reference = measured.find((t) => t.name === 'autocannon')?.reqPerSec;
  return {
    requests: plan.requests,
    concurrency: plan.concurrency,
    rate,
    skipped,
    tools: measured.map((t) => ({ ...t, ratioToAutocannon: reference ? Math.round((t.reqPerSec / reference) * 100) / 100 : null })),
  };
}
