// Part of the load benchmark: how far the lab's rate generator (the open model, harness/load/schedule.ts)
// holds the rate it is asked, keep-alive and with a new connection per request, next to
// autocannon's `overallRate` on the same server, one rate and one tool after another.
import autocannon from 'autocannon';
import { runClient } from '../harness/load/client-process.ts';
import { defaultTimeLimitMs } from '../harness/load/load.ts';
import { defaultMaxInFlight } from '../harness/run/open-files.ts';
import type { RunningServer } from '../harness/stage/server-process.ts';
import type { RateLoad } from '../harness/shapes/load-settings.ts';
import { rateHeld } from '../harness/output/rate-text.ts';
import type { RateRun, RateSection } from './bench-schema.ts';

export interface RatePlan {
  /** Rates asked, requests started per second. */
  rates: number[];
  seconds: number;
}

/** autocannon's connections under overallRate: it sends at most the rate over them (lib/run.js distributes it), each one request at a time. */
const AUTOCANNON_CONNECTIONS = 100;
/** As in load-bench.ts: autocannon notices it is done only at its next sample tick. */
const AUTOCANNON_SAMPLE_MS = 10;

/** What one tool did at one rate, before it is compared with the server's count; achievedPerSec null: the tool does not say. */
type Measured = Omit<RateRun, 'name' | 'how' | 'askedPerSec' | 'requests' | 'server' | 'held' | 'achievedPerSec'> & { achievedPerSec: number | null };

interface RateTool {
  name: string;
  how: string;
  run(url: string, rate: number, requests: number): Promise<Measured>;
}

/** The lab's client of no-body-close `variant` under the rate, as `npm run scenario -- no-body-close --rate N` runs it. */
function labTool(variant: 'good' | 'bad', name: string, how: string): RateTool {
  return {
    name,
    how,
    run: async (url, rate, requests) => {
      const load: RateLoad = { requests, concurrency: defaultMaxInFlight(), pattern: 'rate', burstGapMs: 0, rate };
      const o = await runClient({ scenario: 'no-body-close', variant, url, load }, defaultTimeLimitMs(load));
      return {
        responses: o.ok + o.failed,
        durationMs: Math.round(o.durationMs),
        achievedPerSec: o.rate!.achievedPerSec,
        dropped: o.rate!.dropped,
        latencyMs: { p50: o.latencyMs!.p50, p99: o.latencyMs!.p99 },
        serviceTimeMs: { p50: o.serviceTimeMs!.p50, p99: o.serviceTimeMs!.p99 },
      };
    },
  };
}

function autocannonTool(reconnectRate: number | undefined, name: string, how: string): RateTool {
  return {
    name,
    how,
    run: async (url, rate, requests) => {
      const result = await autocannon({
        url,
        connections: AUTOCANNON_CONNECTIONS,
        overallRate: rate,
        amount: requests,
        sampleInt: AUTOCANNON_SAMPLE_MS,
        ...(reconnectRate && { reconnectRate }),
      });
      return {
        responses: result.requests.total,
        durationMs: Math.round(result.duration * 1000),
        // autocannon does not say when it sent each request (and counts none with reconnectRate): the server's count says.
        achievedPerSec: null,
        dropped: null,
        // Corrected for coordinated omission by autocannon itself under a rate (recordValueWithExpectedInterval).
        latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
        serviceTimeMs: null,
      };
    },
  };
}

const TOOLS: RateTool[] = [
  labTool('good', 'lab --rate, keep-alive', 'no-body-close "good": a fixed schedule, keep-alive agent, body read'),
  labTool('bad', 'lab --rate, new connection each', 'no-body-close "bad": a fixed schedule, each response destroyed unread'),
  autocannonTool(undefined, 'autocannon overallRate', `${AUTOCANNON_CONNECTIONS} connections, keep-alive`),
  autocannonTool(1, 'autocannon overallRate, reconnectRate 1', 'a new connection for every request'),
];

export async function benchRate(server: RunningServer, plan: RatePlan, onRun: (text: string) => void = () => {}): Promise<RateSection> {
  const url = `http://${server.host}:${server.port}/`;
  const runs: RateRun[] = [];
  for (const rate of plan.rates) {
    const requests = Math.round(rate * plan.seconds);
    for (const tool of TOOLS) {
      onRun(`${tool.name} at ${rate}/s`);
      const before = await server.stats();
      const measured = await tool.run(url, rate, requests);
      const after = await server.stats();
      const served = after.requestsServed - before.requestsServed;
      const achievedPerSec = measured.achievedPerSec ?? Math.round((served * 100_000) / Math.max(1, measured.durationMs)) / 100;
      runs.push({
        name: tool.name,
        how: tool.how,
        askedPerSec: rate,
        requests,
        ...measured,
        achievedPerSec,
        server: { requestsServed: served, connectionsAccepted: after.connectionsAccepted - before.connectionsAccepted },
        held: rateHeld({ askedPerSec: rate, achievedPerSec, dropped: measured.dropped ?? 0 }),
      });
    }
  }
  return { seconds: plan.seconds, autocannonConnections: AUTOCANNON_CONNECTIONS, labMaxInFlight: defaultMaxInFlight(), runs };
}
