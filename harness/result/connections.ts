// summary.connections: the trial's connection ledger (harness/observe/ledger.ts) in figures, beside
// the server's own count of requests per connection (exact, with or without root), and the
// cross-checks of the traced counts against the server's and the kernel's counters.
import { quantileSorted } from 'simple-statistics';
import { z } from 'zod';
import type { Connection } from '../observe/ledger.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();
/** At most this many whole connections are kept: the first ones, then others evenly spread. */
export const SAMPLE_SIZE = 200;
const FIRST_KEPT = 20;

const percentiles = z.strictObject({ p50: ms, p90: ms, p99: ms, max: ms });
const bySide = z.strictObject({ client: count, server: count });
const stateSchema = z.string();

const sampledConnectionSchema = z.strictObject({
  tuple: z.string().meta({ description: 'clientAddress:port>serverAddress:port.' }),
  ends: z.array(z.enum(['client', 'server'])).meta({ description: 'The ends traced: both when client and server ran on this kernel.' }),
  process: z.strictObject({ task: z.string(), pid: count }).nullable().meta({ description: 'The task that called connect() (the line of CLOSE -> SYN_SENT); null when the client end was not traced.' }),
  openedMs: ms.meta({ description: 'ms since the trial started.' }),
  connectMs: ms.nullable(),
  closedMs: ms.nullable().meta({ description: 'The last CLOSE of its ends; null: still open when tracing stopped.' }),
  failedConnect: z.boolean(),
  closedFirstBy: z.enum(['client', 'server']).nullable(),
  how: z.enum(['fin', 'reset']).nullable(),
  timeWait: z.strictObject({ side: z.enum(['client', 'server']), atMs: ms }).nullable().meta({ description: 'The end handed to a timewait socket (FIN_WAIT2 or CLOSING -> CLOSE) and when; it stays 60 s.' }),
  requests: count.nullable().meta({ description: "The requests it carried, the server's count joined by the client's address and port; null where the server did not say (a --target server, a connect that failed)." }),
  transitions: z.array(z.strictObject({ side: z.enum(['client', 'server']), from: stateSchema, to: stateSchema, atMs: ms })),
});

const requestsPerConnectionSchema = z
  .strictObject({
    median: z.number().nonnegative(),
    p99: z.number().nonnegative(),
    max: count,
    histogram: z.record(z.string().regex(/^\d+$/), count).meta({ description: 'Connections by the requests each carried (key: requests).' }),
  })
  .meta({ description: "The server's own count per connection: exact, with or without root." });

export const connectionsSchema = z
  .strictObject({
    traced: z.boolean().meta({ description: 'Whether the kernel\'s TCP state changes were traced (root and tracefs): the figures below that need it are null otherwise.' }),
    whyNotTraced: z.string().nullable().meta({ description: 'Why not (no root, no tracefs, a --target server elsewhere); null when traced.' }),
    opened: count.nullable().meta({ description: 'Connections traced: connect() calls on the client end (CLOSE -> SYN_SENT), or server ends where the client is not on this kernel.' }),
    closedFirstBy: bySide.nullable().meta({ description: 'Connections each side closed first (FIN or reset): that side keeps the TIME_WAIT of a FIN.' }),
    resets: bySide.nullable().meta({ description: 'Connections each side ended with a reset (ESTABLISHED -> CLOSE first).' }),
    failedConnects: count.nullable().meta({ description: 'Connects that never connected (SYN_SENT -> CLOSE).' }),
    timeWaitEntered: bySide.nullable().meta({ description: 'Ends handed to a timewait socket, per side.' }),
    lostEvents: count.nullable().meta({ description: 'State changes the kernel dropped because the lab read too slowly: the ledger misses them.' }),
    requestsPerConnection: requestsPerConnectionSchema.nullable().meta({ description: "null: the server did not count them (a --target server)." }),
    connectMs: percentiles.nullable().meta({ description: 'SYN to ESTABLISHED on the client end.' }),
    lifetimeMs: percentiles.nullable().meta({ description: 'Opened to the last CLOSE of its ends (TIME_WAIT not included).' }),
    sample: z.array(sampledConnectionSchema).meta({ description: `At most ${SAMPLE_SIZE} whole connections: the first ${FIRST_KEPT}, then others evenly spread.` }),
  })
  .meta({ id: 'Connections', description: "The trial's connections, traced from the kernel (sock:inet_sock_set_state) and counted by the server (docs/ledger.md)." });
export type ConnectionsSummary = z.infer<typeof connectionsSchema>;

/** Times to the µs the trace gives. */
const round = (n: number) => Math.round(n * 1000) / 1000;

function percentilesOf(values: number[]): z.infer<typeof percentiles> | null {
  if (values.length === 0) return null;
  const sorted = values.toSorted((a, b) => a - b);
  const at = (p: number) => round(quantileSorted(sorted, p));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted.at(-1)!) };
}

/** Median, p99 and max of a histogram of requests per connection (key: requests, value: connections). */
export function requestsPerConnection(histogram: Record<string, number> | undefined): ConnectionsSummary['requestsPerConnection'] {
  if (!histogram) return null;
  const buckets = Object.entries(histogram).map(([k, v]) => [Number(k), v] as const).filter(([, v]) => v > 0).sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, v]) => s + v, 0);
  if (total === 0) return { median: 0, p99: 0, max: 0, histogram: {} };
  // The value at rank ceil(p * total), counting connections from the fewest requests up.
  const at = (p: number) => buckets.find((_, i) => buckets.slice(0, i + 1).reduce((s, [, v]) => s + v, 0) >= Math.max(1, Math.ceil(p * total)))![0];
  return { median: at(0.5), p99: at(0.99), max: buckets.at(-1)![0], histogram: Object.fromEntries(buckets.map(([k, v]) => [String(k), v])) };
}

/** The first connections and others evenly spread over the rest, at most SAMPLE_SIZE. */
function sampleOf(connections: Connection[]): Connection[] {
  if (connections.length <= SAMPLE_SIZE) return connections;
  const rest = connections.slice(FIRST_KEPT);
  const step = rest.length / (SAMPLE_SIZE - FIRST_KEPT);
  return [...connections.slice(0, FIRST_KEPT), ...Array.from({ length: SAMPLE_SIZE - FIRST_KEPT }, (_, i) => rest[Math.floor(i * step)]!)];
}

const clientOf = (c: Connection) => c.tuple.split('>')[0]!;

/** The client ends (`address:port`) of the connections the sample keeps: whose requests to ask the server for. */
export const sampledClients = (connections: Connection[]): string[] => [...new Set(sampleOf(connections).filter((c) => !c.failedConnect).map(clientOf))];

/**
 * The requests of each connection, from the server's count by client (`carried`: each client's
 * connections in the order the server accepted them): a connection's place among those of its
 * client end that reached the server picks its count.
 */
function requestsOf(connections: Connection[], carried: Record<string, number[]> | null): Map<Connection, number | null> {
  const seen = new Map<string, number>();
  return new Map(
    connections.map((c) => {
      if (c.failedConnect) return [c, null];
      const place = seen.get(clientOf(c)) ?? 0;
      seen.set(clientOf(c), place + 1);
      return [c, carried?.[clientOf(c)]?.[place] ?? null];
    }),
  );
}

/** A connection as the result's sample keeps it: times rounded; each end's TIME_WAIT is in its transitions. */
const rounded = ({ timeWaitSides: _, ...c }: Connection): Omit<Connection, 'timeWaitSides'> => ({
  ...c,
  openedMs: round(c.openedMs),
  connectMs: c.connectMs === null ? null : round(c.connectMs),
  closedMs: c.closedMs === null ? null : round(c.closedMs),
  timeWait: c.timeWait && { ...c.timeWait, atMs: round(c.timeWait.atMs) },
  transitions: c.transitions.map((t) => ({ ...t, atMs: round(Math.max(0, t.atMs)) })),
});

const bySideCount = (connections: Connection[], pick: (c: Connection) => 'client' | 'server' | null | undefined) => ({
  client: connections.filter((c) => pick(c) === 'client').length,
  server: connections.filter((c) => pick(c) === 'server').length,
});

/** What a trial says about its connections: traced (a ledger and what the tracer lost) or not (and why). */
export function connectionsSummary(
  traced: { connections: Connection[]; lostEvents: number } | { whyNot: string },
  histogram: Record<string, number> | undefined,
  carried: Record<string, number[]> | null = null,
): ConnectionsSummary {
  const perConnection = requestsPerConnection(histogram);
  if ('whyNot' in traced) {
    return { traced: false, whyNotTraced: traced.whyNot, opened: null, closedFirstBy: null, resets: null, failedConnects: null, timeWaitEntered: null, lostEvents: null, requestsPerConnection: perConnection, connectMs: null, lifetimeMs: null, sample: [] };
  }
  const { connections } = traced;
  const requests = requestsOf(connections, carried);
  const clientTraced = connections.some((c) => c.ends.includes('client'));
  return {
    traced: true,
    whyNotTraced: null,
    opened: clientTraced ? connections.filter((c) => c.process !== null).length : connections.length,
    closedFirstBy: bySideCount(connections, (c) => c.closedFirstBy),
    resets: bySideCount(connections, (c) => (c.how === 'reset' ? c.closedFirstBy : null)),
    failedConnects: connections.filter((c) => c.failedConnect).length,
    timeWaitEntered: {
      client: connections.filter((c) => c.timeWaitSides.includes('client')).length,
      server: connections.filter((c) => c.timeWaitSides.includes('server')).length,
    },
    lostEvents: traced.lostEvents,
    requestsPerConnection: perConnection,
    connectMs: percentilesOf(connections.flatMap((c) => (c.connectMs === null ? [] : [c.connectMs]))),
    lifetimeMs: percentilesOf(connections.flatMap((c) => (c.closedMs === null ? [] : [c.closedMs - c.openedMs]))),
    sample: sampleOf(connections).map((c) => ({ ...rounded(c), requests: requests.get(c) ?? null })),
  };
}

/** A cross-check's name in exactCountMismatches: `trial 2: connections.opened = client ActiveOpens`. */
export const crossCheckFigure = (trial: number, check: string) => `trial ${trial}: ${check}`;
/** Whether an entry of exactCountMismatches is a cross-check of the ledger (else: a count that differed across trials). */
export const isCrossCheck = (figure: string) => /^trial \d+: /.test(figure);

/**
 * Traced counts against the counts they must equal, one mismatch per check that disagrees: traced
 * opens (less failed connects) = the server's accepted connections = the client side's ActiveOpens
 * (namespace runs: the host's counter counts every program on loopback); TIME_WAIT entries on a side
 * = that side's TcpExt TW delta (namespace runs).
 */
export function connectionMismatches(
  connections: ConnectionsSummary,
  accepted: number,
  bySide: Record<'client' | 'server', { activeOpens: number; timeWaitEntered?: number }> | undefined,
): { figure: string; values: number[] }[] {
  if (!connections.traced || connections.opened === null || connections.lostEvents) return [];
  const checks: { figure: string; values: number[] }[] = [{ figure: 'connections.opened less failedConnects = connectionsOpened', values: [connections.opened - connections.failedConnects!, accepted] }];
  if (bySide) {
    checks.push({ figure: 'connections.opened = client ActiveOpens', values: [connections.opened, bySide.client.activeOpens] });
    for (const side of ['client', 'server'] as const) {
      const counted = bySide[side].timeWaitEntered;
      if (counted !== undefined) checks.push({ figure: `connections.timeWaitEntered.${side} = ${side} TcpExt TW`, values: [connections.timeWaitEntered![side], counted] });
    }
  }
  return checks.filter((c) => new Set(c.values).size > 1);
}
