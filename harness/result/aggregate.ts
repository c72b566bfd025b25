// Several trials of one variant into one summary of the same shape: each figure is the median of
// the trials, beside it the spread (min and max), and the counts that are exact by construction
// but came out different from one trial to the next.
import { median } from 'simple-statistics';
import { z } from 'zod';
import { figureValue } from './figures.ts';
import { connectionMismatches, crossCheckFigure } from './connections.ts';
import { summaryFiguresSchema, type SummaryFigures, type VariantResult, type VariantSummary } from './schema.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';

type Combine = (values: number[], isCount: boolean) => number;

/**
 * Walks the figures' schema and the trials' trees side by side and combines each numeric figure's
 * values. In a record (errorsByCode) a key missing from a trial counts 0: that code did not occur.
 */
function combine(schema: z.ZodType, nodes: unknown[], fn: Combine): unknown {
  const child = (key: string, missing?: number) => nodes.map((node) => (node as Record<string, unknown> | undefined)?.[key] ?? missing);
  // An optional figure is absent from runs without a namespace per side (kernelBySide,
  // namespacePeaks) or from a trial whose client did not finish (latencyMs); a nullable one is null
  // where nobody counted it (connectionsReset of a --target without control endpoint): either is
  // combined over the trials that have it.
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    const missing = schema instanceof z.ZodOptional ? undefined : null;
    const present = nodes.filter((node) => node !== undefined && node !== null);
    return present.length === 0 ? missing : combine(schema.unwrap() as z.ZodType, present, fn);
  }
  if (schema instanceof z.ZodNumber) return fn(nodes as number[], schema.isInt);
  if (schema instanceof z.ZodObject) {
    return Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, s]) => [key, combine(s, child(key), fn)]));
  }
  if (schema instanceof z.ZodRecord) {
    const keys = [...new Set(nodes.flatMap((node) => Object.keys((node ?? {}) as object)))].sort();
    return Object.fromEntries(keys.map((key) => [key, combine(schema.valueType as z.ZodType, child(key, 0), fn)]));
  }
  throw new Error(`aggregate: the summary schema has a ${schema.def.type} figure; teach combine() how to take its median`);
}

const combineFigures = (trials: VariantSummary[], fn: Combine) => combine(summaryFiguresSchema, trials, fn) as SummaryFigures;

/**
 * Counts a fixed number of requests makes exact, with the values they are constructed to take:
 * a client opens one connection per request or keeps one per worker (the concurrency), and when
 * nothing fails every request is answered and reaches the server.
 */
const EXACT_BY_CONSTRUCTION: Record<string, (load: Pick<LoadSettings, 'requests' | 'concurrency'>) => number[]> = {
  connectionsOpened: (load) => [load.requests, load.concurrency],
  requestsServed: (load) => [load.requests],
  'requests.ok': (load) => [load.requests],
};

/** A summary's counts that are exact by construction, by figure path (`requests.ok`). */
export function exactCounts(summary: SummaryFigures): Record<string, number> {
  return Object.fromEntries(Object.keys(EXACT_BY_CONSTRUCTION).map((figure) => [figure, figureValue(summary, figure)!]));
}

/** The exact counts (one record per run, from exactCounts) that hit their constructed value in some run but not in every one. */
export function exactMismatches(runs: Record<string, number>[], load: Pick<LoadSettings, 'requests' | 'concurrency'>): VariantResult['exactCountMismatches'] {
  return Object.entries(EXACT_BY_CONSTRUCTION).flatMap(([figure, constructed]) => {
    const values = runs.map((counts) => counts[figure]!);
    const exact = values.some((v) => constructed(load).includes(v));
    return exact && new Set(values).size > 1 ? [{ figure, values }] : [];
  });
}

/**
 * The exact counts that hit their constructed value in some trial but not in every one. A
 * measurement has no load (its clients make the requests they make): nothing is exact by construction.
 */
export const exactCountMismatches = (trials: VariantSummary[], load: LoadSettings | null) => (load ? exactMismatches(trials.map(exactCounts), load) : []);

export type Aggregate = Pick<VariantResult, 'summary' | 'spread' | 'exactCountMismatches'>;

/** Each trial's traced counts checked against the server's and the kernel's (connections.ts), named by trial. */
const ledgerChecks = (trials: VariantSummary[]) =>
  trials.flatMap((summary, i) =>
    summary.connections
      ? connectionMismatches(summary.connections, summary.connectionsOpened, summary.kernelBySide).map((m) => ({ ...m, figure: crossCheckFigure(i + 1, m.figure) }))
      : [],
  );

export function aggregateTrials(trials: VariantSummary[], load: LoadSettings | null): Aggregate {
  if (trials.length === 0) throw new Error('aggregate: no trials');
  const medians = combineFigures(trials, (values, isCount) => (isCount ? Math.round(median(values)) : median(values)));
  const failures = trials.flatMap((t) => (t.requests.firstFailure ? [t.requests.firstFailure] : []));
  const firstFailure = failures.toSorted((a, b) => a.request - b.request || a.tMs - b.tMs)[0] ?? null;
  return {
    // The ledger is the first trial's, like the samples: a connection's life has no median.
    summary: { ...medians, requests: { ...medians.requests, firstFailure }, ...(trials[0]!.connections && { connections: trials[0]!.connections }) },
    spread: { min: combineFigures(trials, (v) => Math.min(...v)), max: combineFigures(trials, (v) => Math.max(...v)) },
    exactCountMismatches: [...exactCountMismatches(trials, load), ...ledgerChecks(trials)],
  };
}
