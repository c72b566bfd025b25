// What the soak runs: a list of entries `<scenario>[@namespaces|@loopback]`, run round after round
// until the time (or the number of iterations) is up. A bare name runs in namespaces when this
// process may create them and on loopback otherwise, as `npm run scenario` does by default.
import type { NetnsMode } from '../stage/topology.ts';

export interface SoakEntry {
  scenario: string;
  netns: NetnsMode;
  /** Requests per variant; undefined: the scenario's own. */
  requests?: number;
}

const MODES: Record<string, NetnsMode> = { namespaces: 'on', loopback: 'off' };

/**
 * The default mix: short scenarios in both topologies. Loopback runs leave their TIME_WAIT in this
 * host's namespace for 60 s: at most about 5,000 sockets a round from these loads (two misconfigured
 * variants of keepalive-disabled at 1,000 requests, three of server-closes at 1,000), each variant on
 * a fresh server port; connect() shares an ephemeral port between different destinations, so no
 * destination ever needs more than 1,000 of the 28,232 default ports. Namespace runs take their
 * TIME_WAIT away with their namespaces.
 */
export const DEFAULT_MIX: readonly SoakEntry[] = [
  { scenario: 'no-body-close', netns: 'auto', requests: 1000 },
  { scenario: 'keepalive-disabled', netns: 'off', requests: 1000 },
  { scenario: 'tiny-pool', netns: 'auto', requests: 1000 },
  { scenario: 'server-closes', netns: 'off', requests: 1000 },
];

/** How an entry is written on the command line: `tiny-pool`, `no-body-close@namespaces`. */
export function entryText(entry: SoakEntry): string {
  const mode = Object.entries(MODES).find(([, netns]) => netns === entry.netns)?.[0];
  return mode ? `${entry.scenario}@${mode}` : entry.scenario;
}

/** Parses `--scenarios`; throws an Error that says what is accepted. Scenario names are checked later, against the catalogue. */
export function parseEntries(text: string): SoakEntry[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) throw new Error('expected a comma-separated list of scenarios, e.g. no-body-close,tiny-pool@loopback');
  return parts.map((part) => {
    const [scenario, mode, extra] = part.split('@');
    if (extra !== undefined || (mode !== undefined && !(mode in MODES))) {
      throw new Error(`"${part}": expected <scenario>, <scenario>@namespaces or <scenario>@loopback`);
    }
    return { scenario: scenario!, netns: mode === undefined ? 'auto' : MODES[mode]! };
  });
}
