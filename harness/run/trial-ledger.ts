// A trial's connection ledger: the tracer (observe/tracer.ts) on the trial's server port from the
// start of its load to the end of its drain, its state changes made into connections
// (observe/ledger.ts). Nothing needs them before the trial ends, so the tracer holds the pages it
// reads and decodes them when it stops: beside the load it costs a read a page. Where this process
// cannot trace (no root, no tracefs), the trial says why.
import { isIP } from 'node:net';
import { canonicalAddress } from '../observe/ip-address.ts';
import { buildLedger, type Connection } from '../observe/ledger.ts';
import type { SocketReset, StateChange } from '../observe/state-change.ts';
import { HELD_BYTES_MAX, portFilter, startTracer, tracingUnavailability } from '../observe/tracer.ts';
import { formatCount } from '../shared/numbers.ts';

export type TrialLedger = { connections: Connection[]; lostEvents: number } | { whyNot: string };

let unavailability: Promise<string | null> | undefined;
/** Checked once per process: whether it may trace does not change during a run. */
const whyNoTracing = () => (unavailability ??= tracingUnavailability());

/** A server bound to every address is told by its port alone. */
const WILDCARDS = new Set(['0.0.0.0', '::']);

interface TrialTrace {
  stop(untilMs: number): Promise<TrialLedger>;
  /** The tracer's read, in a wake the caller pays for anyway (Tracer.readIfDueWithin). */
  readIfDueWithin(withinMs: number): void;
}

const untraced = (whyNot: string): TrialTrace => ({ stop: async () => ({ whyNot }), readIfDueWithin: () => {} });

/** Milliseconds on CLOCK_MONOTONIC, the trace's clock (tracer.ts sets trace_clock to mono): process.hrtime's. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Starts tracing the connections to the server at `host` and `port`; `stop(untilMs)` gives the
 * ledger, its times in ms since the moment `startedAt` (performance.now()) stands for, or why there
 * is none. The ledger keeps what happened until `untilMs`, the moment the kernel's counters were
 * read after the load, so that its counts and theirs cover the same time (a late close between the
 * two would otherwise be in one and not the other).
 */
export async function traceTrial(host: string, port: number, startedAt: number): Promise<TrialTrace> {
  const whyNot = await whyNoTracing();
  if (whyNot) return untraced(whyNot);
  const originMs = monotonicMs() - (performance.now() - startedAt);
  const changes: StateChange[] = [];
  const resets: SocketReset[] = [];
  const tracer = await startTracer({
    label: `port-${port}`,
    filter: portFilter(port),
    resetFilter: portFilter(port),
    holdUntilStop: true,
    onChanges: (batch, reset) => {
      changes.push(...batch);
      resets.push(...reset);
    },
  }).catch(
    (error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }),
  );
  if ('failed' in tracer) return untraced(tracer.failed);
  return {
    readIfDueWithin: tracer.readIfDueWithin,
    async stop(untilMs) {
      const losses = await tracer.stop();
      if (losses.heldTooMuch) {
        return { whyNot: `this trial's trace outgrew the ${HELD_BYTES_MAX / 1024 / 1024} MB the lab keeps of one (about ${formatCount(Math.round(HELD_BYTES_MAX / 1024 / 1000) * 1000)} connections, a kilobyte each)` };
      }
      const cutoff = originMs + untilMs;
      const before = <T extends { atMs: number }>(events: T[]) => events.filter((e) => e.atMs <= cutoff);
      // The address as the tracer writes it (IPv6 compressed); a name (a --target) or a wildcard: the port alone.
      const canonical = canonicalAddress(host);
      const address = isIP(canonical) && !WILDCARDS.has(canonical) ? canonical : null;
      return { connections: buildLedger(before(changes), { port, address }, originMs, before(resets)), lostEvents: losses.lost };
    },
  };
}
