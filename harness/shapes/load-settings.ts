// The load a variant sends and the roles of variants: what the scenario contract, the result's
// schema and the client protocol share, in a module of its own so that none of them imports another
// for it.
import { z } from 'zod';
import { count, positiveCount } from './zod.ts';

export const loadSchema = z.strictObject({
  requests: positiveCount.meta({
    description: 'Requests each variant sends (rate: schedules): a count, not a duration, so connection counts are exact; with a rate, requests / rate is the duration.',
  }),
  concurrency: positiveCount.meta({
    description: 'Requests in flight at once (steady), the size of each burst (bursts), or the most in flight at once (rate: a request that cannot start on time is dropped).',
  }),
  pattern: z
    .enum(['steady', 'bursts', 'rate'])
    .meta({
      description:
        'steady: `concurrency` workers back to back; bursts: `concurrency` requests at once, then a pause (closed loops: each waits for its answer); ' +
        'rate: `rate` requests started a second on a fixed schedule, answered or not (open model).',
    })
    .default('steady'),
  burstGapMs: count.meta({ description: 'Pause between bursts, when the pattern is bursts.' }).default(0),
  gapSpreadMs: count
    .optional()
    .meta({ description: 'bursts: the pauses sweep from burstGapMs − gapSpreadMs to burstGapMs + gapSpreadMs over the run, so that they straddle a timeout. Absent: 0.' }),
  rate: z
    .number()
    .positive()
    .optional()
    .meta({ description: 'pattern rate: requests started per second, request i at i / rate s, whether earlier ones were answered or not. Absent otherwise.' }),
});
export type LoadSettings = z.output<typeof loadSchema>;

/** A variant's own load, field by field over the scenario's (a short one for a fix that needs no long run); no defaults of its own. */
export const loadOverridesSchema = loadSchema.extend({ pattern: loadSchema.shape.pattern.unwrap(), burstGapMs: loadSchema.shape.burstGapMs.unwrap() }).partial();
export type LoadPattern = LoadSettings['pattern'];

/** A load in the open model: requests start on a schedule, `rate` a second. */
export type RateLoad = LoadSettings & { pattern: 'rate'; rate: number };
export const isRateLoad = (load: LoadSettings): load is RateLoad => load.pattern === 'rate' && load.rate !== undefined;

/** What a load's fields say of each other: a rate belongs to the pattern rate, and it needs one. */
export function loadProblems(load: Pick<LoadSettings, 'pattern' | 'rate'>): { path: string[]; message: string }[] {
  if (load.pattern === 'rate' && load.rate === undefined) return [{ path: ['rate'], message: 'the pattern rate needs a rate (requests started per second)' }];
  if (load.pattern !== 'rate' && load.rate !== undefined) return [{ path: ['pattern'], message: `a rate needs the pattern rate, not ${load.pattern}` }];
  return [];
}

/** What a variant is: a scenario's misconfigured client or its fix, or a client the user gave `npm run measure`. */
export const roleSchema = z.enum(['misconfigured', 'fix', 'measured']);

/** What a client is given: the server's URL and the load it sends. */
export interface ClientContext {
  url: string;
  load: LoadSettings;
}

/**
 * The rate a load kept up: requests started, over the longer of the schedule (requests / rate) and
 * the time from the first slot to the last start plus one interval. A client that started every
 * request on time achieves the rate; drops, and starts that fell behind, lower it.
 */
export function achievedRate(load: RateLoad, started: number, lastStartMs: number): number {
  const seconds = Math.max(load.requests / load.rate, lastStartMs / 1000 + 1 / load.rate);
  return Math.round((started / seconds) * 100) / 100;
}
