// Capacity projection: what a variant's measured connection churn would cost a client host that
// kept it up. Every connection the client closes first holds an ephemeral port in TIME_WAIT for
// 60 s (TCP_TIMEWAIT_LEN, include/net/tcp.h), so at a steady rate of r such connections a second
// the host holds r × 60 ports, against the size of its ip_local_port_range.
import { variantLoad, type Result, type VariantSummary } from './schema.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import { formatCount } from '../shared/numbers.ts';

/** TCP_TIMEWAIT_LEN: fixed in the kernel, not changed by tcp_fin_timeout. */
export const TIME_WAIT_S = 60;

/** Below this many requests per unit of concurrency, opening the pool weighs too much in the rate. */
const MIN_REQUESTS_PER_CONCURRENCY = 10;
/** Samples of the socket table needed to know which side closed the connections. */
const MIN_SAMPLES = 3;

export interface PortRange {
  low: number;
  high: number;
  size: number;
}

/** `"32768 60999"` (as /proc/sys/net/ipv4/ip_local_port_range reads) to its bounds and size. */
export function parsePortRange(text: string | null | undefined): PortRange | null {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text ?? '');
  if (!match) return null;
  const low = Number(match[1]);
  const high = Number(match[2]);
  return high >= low ? { low, high, size: high - low + 1 } : null;
}

export type Projection =
  | { projected: false; reason: string }
  | {
      projected: true;
      /** Connections opened per second beyond the first `concurrency` (those a pool keeps open). */
      newConnectionsPerSec: number;
      /** Share of the connections whose TIME_WAIT the client held (it closed first). */
      clientClosedShare: number;
      /** Ports the client host holds in steady state: its TIME_WAIT plus its open connections. */
      clientPortsHeld: number;
      portRange: PortRange | null;
      /** clientPortsHeld / the range's size; null when the range is unknown. */
      shareOfRange: number | null;
      /** Seconds until no ephemeral port is left; null when it never runs out at this rate. */
      exhaustedAfterS: number | null;
      /** New connections per second at which the range would run out, with this closing share. */
      exhaustingRatePerSec: number | null;
      /** TIME_WAIT sockets the server would hold in steady state (these use no ephemeral port). */
      serverTimeWaitHeld: number;
    };

export interface ProjectionInput {
  summary: Pick<VariantSummary, 'connectionsOpened' | 'durationMs' | 'timeWait' | 'established' | 'samplesTaken' | 'rate'> & {
    requests: Pick<VariantSummary['requests'], 'total' | 'ok'>;
  };
  concurrency: number;
  /** The client host's ip_local_port_range, as read from /proc/sys. */
  portRange: string | null;
  /** How a longer run is had: `--requests` for a scenario; a measured client makes the requests it makes. */
  longer?: string;
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

export function project({ summary, concurrency, portRange, longer = 'raise --requests' }: ProjectionInput): Projection {
  const requests = summary.requests.total;
  if (requests < MIN_REQUESTS_PER_CONCURRENCY * concurrency) {
    return {
      projected: false,
      reason:
        `too short to project: ${plural(requests, 'request')} at concurrency ${concurrency}; opening the pool ` +
        `would dominate the rate (needs at least ${MIN_REQUESTS_PER_CONCURRENCY} × concurrency = ` +
        `${formatCount(MIN_REQUESTS_PER_CONCURRENCY * concurrency)} requests; ${longer})`,
    };
  }
  if (summary.durationMs <= 0) {
    return { projected: false, reason: 'too short to project: the load took no measurable time (a client that reports its own durationMs of 0)' };
  }
  if (summary.samplesTaken < MIN_SAMPLES) {
    return {
      projected: false,
      reason:
        `too slow to project: the socket table was sampled ${plural(summary.samplesTaken, 'time')}, ` +
        `not enough to tell which side closed (needs ${MIN_SAMPLES}; lower --interval-ms)`,
    };
  }
  const opened = summary.connectionsOpened;
  const churn = Math.max(0, opened - concurrency);
  // Under a rate the load's own pace: its requests started per second, each needing what an
  // answered one needed (requests that failed for want of a port opened none, and the load did
  // not slow down for them). A closed loop's pace is what it got done.
  const newConnectionsPerSec = summary.rate
    ? (summary.rate.achievedPerSec * churn) / Math.max(1, summary.requests.ok)
    : churn / (summary.durationMs / 1000);
  // TIME_WAIT lasts 60 s, so at most the last 60 s of connections can be in it at once.
  const couldBeInTimeWait = Math.min(opened, newConnectionsPerSec * TIME_WAIT_S + concurrency);
  const share = (peak: number) => (couldBeInTimeWait > 0 ? Math.min(1, peak / couldBeInTimeWait) : 0);
  const clientClosedShare = share(summary.timeWait.clientSide.peak);
  const clientTimeWaitRate = newConnectionsPerSec * clientClosedShare;
  const clientPortsHeld = Math.round(clientTimeWaitRate * TIME_WAIT_S + summary.established.clientSide.peak);
  const range = parsePortRange(portRange);
  const runsOut = range !== null && clientPortsHeld > range.size && clientTimeWaitRate > 0;
  return {
    projected: true,
    newConnectionsPerSec,
    clientClosedShare,
    clientPortsHeld,
    portRange: range,
    shareOfRange: range ? clientPortsHeld / range.size : null,
    exhaustedAfterS: runsOut ? (range.size - summary.established.clientSide.peak) / clientTimeWaitRate : null,
    exhaustingRatePerSec: range && clientClosedShare > 0 ? range.size / TIME_WAIT_S / clientClosedShare : null,
    serverTimeWaitHeld: Math.round(newConnectionsPerSec * share(summary.timeWait.serverSide.peak) * TIME_WAIT_S),
  };
}

/** The client host's port range: its own namespace's in namespace mode, else the machine's. */
export function clientPortRange(result: Result, variant: Result['variants'][number] | undefined): string | null {
  return variant?.clientSysctls?.effective.ip_local_port_range ?? result.env.sysctl.ip_local_port_range;
}

/**
 * The requests a variant had in flight at once: its load's concurrency. Under a rate that is only a
 * cap: the pool a client kept is what it had in flight at most. A measured client has no load, and
 * the connections it held open at once (its client-side ESTABLISHED peak) stand for it.
 */
export const poolOf = (summary: Pick<VariantSummary, 'rate' | 'established'>, load: Pick<LoadSettings, 'concurrency'> | null) =>
  summary.rate?.peakInFlight ?? load?.concurrency ?? Math.max(1, summary.established.clientSide.peak);

/** A result's projection, as every view prints it: the client host's port range, and per variant its projection beside what it measured. */
export interface ResultProjection {
  portRange: PortRange | null;
  variants: {
    variant: string;
    role: string;
    projection: Projection;
    /** What the run measured of it (the summary's `projection`), and how long its TIME_WAIT lasted. */
    measured: VariantSummary['projection'];
    lifetimeMs: number | null | undefined;
  }[];
}

/** The projection of each variant of a result, from its own figures and its client host's port range. */
export function projectResult(result: Result): ResultProjection {
  return {
    portRange: parsePortRange(clientPortRange(result, result.variants[0])),
    variants: result.variants.map((v) => ({
      variant: v.name,
      role: v.role,
      projection: project({
        summary: v.summary,
        concurrency: poolOf(v.summary, variantLoad(result.params, v.name)),
        portRange: clientPortRange(result, v),
        ...(result.params.load === null && { longer: 'let the client make more requests' }),
      }),
      measured: v.summary.projection,
      lifetimeMs: v.summary.timeWait.lifetimeMs,
    })),
  };
}

type Versus = NonNullable<VariantSummary['projection']>;

const versus = (projected: number, measured: number) => ({ projected: Math.round(projected), measured: Math.round(measured), ratio: Math.round((measured / projected) * 10_000) / 10_000 });

/**
 * What the projection predicts beside what the same run measured, where it lasted long enough to
 * measure it: the TIME_WAIT a steady load holds (its plateau), and, under a rate, the time until
 * the client host's ports ran out (its first EADDRNOTAVAIL; a closed loop slows down as it fails,
 * so its pace says nothing of when). Undefined when it measured neither.
 */
export function versusMeasurement(projection: Projection, summary: Pick<VariantSummary, 'timeWait' | 'requests' | 'rate'>): Versus | undefined {
  if (!projection.projected) return undefined;
  const heldInTimeWait = projection.newConnectionsPerSec * projection.clientClosedShare * TIME_WAIT_S;
  const plateau = summary.timeWait.plateau;
  const first = summary.requests.firstFailure;
  const outOfPorts = summary.rate && first?.code === 'EADDRNOTAVAIL' && projection.exhaustedAfterS !== null ? first.tMs : null;
  const found: Versus = {
    ...(plateau && heldInTimeWait > 0 && { timeWaitPlateau: versus(heldInTimeWait, plateau.mean) }),
    ...(outOfPorts !== null && { exhaustedAfterMs: versus(projection.exhaustedAfterS! * 1000, outOfPorts) }),
  };
  return Object.keys(found).length > 0 ? found : undefined;
}
