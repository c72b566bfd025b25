// The figures of a variant's summary, named by their path (`timeWait.clientSide.peak`): what
// claims check, `compare` shows and `--fail-if` speaks about. The list is read from the schema.
import { z } from 'zod';
import { summaryFiguresSchema, type SummaryFigures } from './schema.ts';

function numericPaths(schema: z.ZodType, prefix: string): string[] {
  if (schema instanceof z.ZodOptional) return numericPaths(schema.unwrap() as z.ZodType, prefix);
  if (schema instanceof z.ZodNumber) return [prefix];
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, s]) =>
      numericPaths(s, prefix ? `${prefix}.${key}` : key),
    );
  }
  return []; // a record (errorsByCode, clientCounters) has no fixed keys: see KEYED_FIGURES
}

/** Every numeric figure of a summary, in the schema's order; a new figure in the schema needs no change here. */
export const FIGURE_PATHS: readonly string[] = numericPaths(summaryFiguresSchema, '');

/** `requests.errorsByCode.EADDRNOTAVAIL`: failures with one code; a code that did not occur counts 0. */
const ERROR_CODE_FIGURE = /^requests\.errorsByCode\.([A-Z][A-Z0-9_]*)$/;
/** `clientCounters.dnsLookups`: a count the client reported; undefined when it reported no such count. */
const CLIENT_COUNTER_FIGURE = /^clientCounters\.([A-Za-z][A-Za-z0-9]*)$/;

export function isFigure(path: string): boolean {
  return FIGURE_PATHS.includes(path) || ERROR_CODE_FIGURE.test(path) || CLIENT_COUNTER_FIGURE.test(path);
}

/** The figure's value in a summary; undefined when the path names no numeric figure. */
export function figureValue(summary: SummaryFigures, path: string): number | undefined {
  const code = ERROR_CODE_FIGURE.exec(path)?.[1];
  if (code !== undefined) return summary.requests.errorsByCode[code] ?? 0;
  const counter = CLIENT_COUNTER_FIGURE.exec(path)?.[1];
  if (counter !== undefined) return summary.clientCounters?.[counter];
  const value = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], summary);
  return typeof value === 'number' ? value : undefined;
}

/** The figures `compare` shows, labelled as in the scenario's table. */
export const KEY_FIGURES: readonly { path: string; label: string }[] = [
  { path: 'requests.ok', label: 'requests ok' },
  { path: 'requests.failed', label: 'requests failed' },
  { path: 'connectionsOpened', label: 'connections (server count)' },
  { path: 'connectionsPerRequest', label: 'connections per request' },
  { path: 'timeWait.clientSide.peak', label: 'TIME_WAIT peak, client side' },
  { path: 'timeWait.serverSide.peak', label: 'TIME_WAIT peak, server side' },
  { path: 'established.peak', label: 'ESTABLISHED peak (client)' },
  { path: 'kernel.activeOpens', label: 'kernel: active opens' },
  { path: 'kernel.outRsts', label: 'kernel: resets sent' },
  { path: 'reqPerSec', label: 'requests per second' },
  { path: 'latencyMs.p50', label: 'latency p50 (ms)' },
  { path: 'latencyMs.p99', label: 'latency p99 (ms)' },
];
