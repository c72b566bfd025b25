// The catalogue's patterns as an observed row shows them (docs/scenarios.md): what a destination's
// connections look like from the kernel, matched to the scenario that reproduces it and its fix.
// A row churns from CHURN_PER_S new connections a second; below that nothing is matched.

/** From this many new connections a second (over the window) a row is said to churn. */
export const CHURN_PER_S = 1;

export interface Pattern {
  /** The scenarios that reproduce it, by name (`npm run scenario NAME`). */
  scenarios: string[];
  /** What the scenarios show, in a few words. */
  what: string;
  fix: string;
}

export const PATTERNS = {
  closesFirst: {
    scenarios: ['keepalive-disabled', 'no-body-close'],
    what: 'a new connection per request, closed by the client',
    fix: 'one keep-alive agent (client) shared by the requests, and every response body read to its end',
  },
  resets: {
    scenarios: ['abortive-close'],
    what: 'connections ended with a reset (RST) instead of a FIN',
    fix: 'keep connections alive; where one must close, close gracefully',
  },
  serverCloses: {
    scenarios: ['server-closes'],
    what: 'the server ends each connection: the TIME_WAIT stays on the server',
    fix: "a server keep-alive timeout longer than the clients' pauses (at least 2 s for Node clients)",
  },
  portsRunOut: {
    scenarios: ['port-exhaustion'],
    what: 'a client that closes first faster than TIME_WAIT frees its ports: connect() fails with EADDRNOTAVAIL',
    fix: 'read every body and keep connections alive, so that the rate of new connections falls',
  },
} as const satisfies Record<string, Pattern>;
export type PatternName = keyof typeof PATTERNS;

export interface PatternInput {
  perSecond: number;
  closedFirst: { local: number; remote: number; reset: number };
  runsOut: boolean;
  direction: 'outbound' | 'inbound';
}

/** The pattern a row shows, or null (it does not churn, or nothing decides which end closes). */
export function patternOf(row: PatternInput): PatternName | null {
  if (row.perSecond < CHURN_PER_S) return null;
  const { local, remote, reset } = row.closedFirst;
  const most = Math.max(local, remote, reset);
  if (most === 0) return null;
  if (row.runsOut && local === most) return 'portsRunOut';
  if (reset === most) return 'resets';
  // Outbound, this end is the client; inbound, this end is the server.
  const serverFirst = row.direction === 'outbound' ? remote : local;
  const clientFirst = row.direction === 'outbound' ? local : remote;
  return clientFirst >= serverFirst ? 'closesFirst' : 'serverCloses';
}
