// The figures of a variant's summary, in one table: each figure's path into the summary
// (`timeWait.clientSide.peak`), its label as people read it, its unit, and the views that show it.
// Claims, the summary table (terminal and report), the report's chart, `compare` and `--fail-if`
// all take their names and words from here. Every numeric figure of the summary schema has a row
// (test/result/figures.test.ts checks it), so a new figure in the schema needs its words here.
import { formatCount } from '../shared/numbers.ts';
import type { SummaryFigures, VariantResult } from './schema.ts';

type Sample = VariantResult['samples'][number];

/** Where a figure is shown: the summary table (terminal and report), `compare`, the report's chart over time. */
export type View = 'table' | 'compare' | 'chart';

export type Unit =
  | 'requests'
  | 'connections'
  | 'sockets'
  | 'resets'
  | 'samples'
  | 'count'
  | 'connections per request'
  | 'streams per connection'
  | 'requests per second'
  | 'starts per second'
  | 'ms'
  | 'µs'
  | 'ratio'
  // A time held in ms, long enough to read in seconds: `61.02 s`.
  | 'time';

/** Decimals shown (default 0: whole numbers with thousands separators). */
const DECIMALS: Partial<Record<Unit, number>> = { 'connections per request': 2, 'streams per connection': 1, 'starts per second': 1, ms: 2, µs: 0, ratio: 3 };

export interface Figure<P extends string = string> {
  path: P;
  /** The words people read: in claims, table rows, compare rows. */
  label: string;
  unit: Unit;
  views: readonly View[];
  /** In the summary table, figures with the same row share one row: `requests ok / failed`. */
  row?: string;
  /** The summary table shows its row only when some variant has the figure (rate figures: runs under a rate; the life of TIME_WAIT: long runs, drains). */
  onlyWhenMeasured?: boolean;
  /** Chart: the figure is the peak of a count sampled over time; its line's legend and the sample's count. */
  series?: { label: string; value(sample: Sample): number };
}

const figure = <P extends string>(path: P, label: string, unit: Unit, more: Partial<Omit<Figure, 'path' | 'label' | 'unit'>> = {}): Figure<P> => ({
  path,
  label,
  unit,
  views: [],
  ...more,
});

type SampledState = 'timeWait' | 'established';
const STATE_NAME: Record<SampledState, string> = { timeWait: 'TIME_WAIT', established: 'ESTABLISHED' };

/**
 * The peak of a socket state on one side: `TIME_WAIT peak, client side`; on the chart its line is
 * `TIME_WAIT, client side`, in the same words.
 */
function socketPeak<P extends string>(path: P, state: SampledState, side: 'client' | 'server', views: readonly View[] = [], suffix = ''): Figure<P> {
  const where = `${side} side`;
  const counted = (sample: Sample) => sample[side === 'client' ? 'clientSide' : 'serverSide'][state] ?? 0;
  return figure(path, `${STATE_NAME[state]} peak, ${where}${suffix}`, 'sockets', {
    views,
    ...(views.includes('chart') && { series: { label: `${STATE_NAME[state]}, ${where}`, value: counted } }),
  });
}

type KernelCounter = keyof SummaryFigures['kernel'];
type KernelWords = Pick<Figure, 'unit'> & Partial<Pick<Figure, 'views' | 'row'>> & { words: string };

/** The kernel's TCP counters (KERNEL_COUNTERS in harness/shapes/proc-net.ts) in words, in the order the table shows them. */
const KERNEL_WORDS: Record<KernelCounter, KernelWords> = {
  activeOpens: { words: 'active opens', unit: 'connections', views: ['table', 'compare'], row: 'kernel' },
  outRsts: { words: 'resets sent', unit: 'resets', views: ['table', 'compare'], row: 'kernel' },
  abortOnClose: { words: 'resets on close (unread data)', unit: 'connections', views: ['table'] },
  timeWaitReused: { words: 'TIME_WAIT ports reused', unit: 'connections', views: ['table'] },
  passiveOpens: { words: 'passive opens', unit: 'connections' },
  attemptFails: { words: 'failed connection attempts', unit: 'connections' },
  estabResets: { words: 'established connections reset', unit: 'connections' },
  abortOnData: { words: 'resets on data after close', unit: 'connections' },
  timeWaitOverflow: { words: 'TIME_WAIT not kept (bucket limit)', unit: 'sockets' },
  timeWaitEntered: { words: 'sockets that entered TIME_WAIT', unit: 'sockets' },
};

/** `kernel: resets sent`; per namespace `kernel, client namespace: resets sent`, shown in no view. */
const kernelFigures = <P extends string>(prefix: P, where: string, shown: boolean) =>
  (Object.keys(KERNEL_WORDS) as KernelCounter[]).map((name) => {
    const { words, unit, ...views } = KERNEL_WORDS[name];
    return figure(`${prefix}.${name}` as `${P}.${KernelCounter}`, `${where}: ${words}`, unit, shown ? views : {});
  });

/** A namespace's own /proc/net/sockstat peaks. */
const namespaceFigures = <S extends 'client' | 'server'>(side: S) => [
  figure(`namespacePeaks.${side}.tw`, `TIME_WAIT peak, ${side} namespace`, 'sockets'),
  figure(`namespacePeaks.${side}.inuse`, `sockets in use peak, ${side} namespace`, 'sockets'),
  // The kernel counts orphans for the whole host: every namespace's sockstat shows the same.
  figure(`namespacePeaks.${side}.orphan`, `orphaned sockets peak, whole host (read in the ${side} namespace)`, 'sockets'),
];

const tableAndCompare = ['table', 'compare'] as const;
/** A figure only a run under a rate has: in the table (when measured) and compare. */
const rateOnly = (row?: string) => ({ views: tableAndCompare, onlyWhenMeasured: true, ...(row && { row }) });
const measured = { onlyWhenMeasured: true } as const;

/** The projection beside the measurement (harness/result/projection.ts): projected, measured, their ratio. */
const versusFigures = <P extends string>(prefix: P, what: string, unit: Unit) => [
  figure(`${prefix}.projected`, `${what}, projected`, unit),
  figure(`${prefix}.measured`, `${what}, measured`, unit),
  figure(`${prefix}.ratio`, `${what}, measured ÷ projected`, 'ratio'),
];

/** Every numeric figure of a summary, in the order the table and compare show them. */
export const FIGURES = [
  figure('requests.total', 'requests in the load', 'requests'),
  figure('requests.ok', 'requests ok', 'requests', { views: tableAndCompare, row: 'requests' }),
  figure('requests.failed', 'requests failed', 'requests', { views: tableAndCompare, row: 'requests' }),
  figure('connectionsOpened', 'connections the server accepted', 'connections', { views: tableAndCompare }),
  figure('connectionsPerRequest', 'connections per request', 'connections per request', { views: tableAndCompare }),
  figure('requestsServed', 'requests the server answered', 'requests'),
  socketPeak('timeWait.clientSide.peak', 'timeWait', 'client', ['table', 'compare', 'chart']),
  socketPeak('timeWait.serverSide.peak', 'timeWait', 'server', ['table', 'compare', 'chart']),
  figure('timeWait.total.peak', 'TIME_WAIT peak, client + server side', 'sockets'),
  figure('timeWait.clientSide.atEnd', 'TIME_WAIT at the end, client side', 'sockets'),
  figure('timeWait.serverSide.atEnd', 'TIME_WAIT at the end, server side', 'sockets'),
  // The life of TIME_WAIT (harness/result/time-wait.ts): shown where a run measured it.
  figure('timeWait.lifetimeMs', 'TIME_WAIT lifetime, mean', 'time', { views: tableAndCompare, ...measured }),
  figure('timeWait.drain.timerMs', 'TIME_WAIT timer (mean lifetime − half a step)', 'time', { views: ['table'], ...measured }),
  figure('timeWait.drain.stepMs', 'drain step (timer wheel)', 'time', { views: ['table'], ...measured }),
  figure('timeWait.drain.zeroAfterMs', 'TIME_WAIT gone, after the load', 'time', { views: ['table'], ...measured }),
  figure('timeWait.drain.loadEndedMs', 'load ended, since the variant started', 'time'),
  figure('timeWait.drain.entered', 'sockets that entered TIME_WAIT, client namespace', 'sockets'),
  figure('timeWait.drain.accuracyMs', 'largest gap between two samples across a change of TIME_WAIT', 'time'),
  figure('timeWait.plateau.mean', 'TIME_WAIT plateau, client side', 'sockets', { views: tableAndCompare, ...measured }),
  figure('timeWait.plateau.expected', 'TIME_WAIT plateau expected (new connections/s × lifetime)', 'sockets', { views: ['table'], ...measured }),
  figure('timeWait.plateau.ratio', 'TIME_WAIT plateau ÷ expected', 'ratio'),
  figure('timeWait.plateau.fromMs', 'plateau from, since the variant started', 'time'),
  figure('timeWait.plateau.toMs', 'plateau to, since the variant started', 'time'),
  // established.peak is the client side's, as established.clientSide.peak (both are in the schema).
  socketPeak('established.peak', 'established', 'client', ['table', 'compare', 'chart']),
  socketPeak('established.clientSide.peak', 'established', 'client', [], ' (as established.peak)'),
  socketPeak('established.serverSide.peak', 'established', 'server'),
  figure('connectionsReset', 'connections the server saw reset', 'connections', { views: ['table'] }),
  figure('serverCpu.perRequestUs', 'server CPU per request', 'µs', { views: tableAndCompare, ...measured }),
  figure('serverCpu.totalMs', 'server CPU, total', 'ms'),
  figure('tls.handshakes', 'TLS handshakes', 'count', { views: tableAndCompare, row: 'tls', ...measured }),
  figure('tls.full', 'TLS handshakes, full', 'count'),
  figure('tls.resumed', 'TLS handshakes resumed', 'count', { views: tableAndCompare, row: 'tls', ...measured }),
  figure('tls.failed', 'TLS handshakes failed', 'count', { views: ['table'], ...measured }),
  figure('tls.handshakesPerConnection', 'TLS handshakes per connection', 'ratio'),
  figure('tls.resumedShare', 'TLS handshakes resumed, share', 'ratio'),
  figure('http2.connections', 'HTTP/2 connections', 'connections', { views: ['table'], ...measured }),
  figure('http2.streams', 'HTTP/2 streams', 'requests'),
  figure('http2.streamsPerConnection', 'HTTP/2 streams per connection', 'streams per connection', { views: tableAndCompare, ...measured }),
  ...kernelFigures('kernel', 'kernel', true),
  figure('reqPerSec', 'requests per second', 'requests per second', { views: tableAndCompare }),
  // Under a rate (the open model) only: what was asked, what was kept up, what the cap dropped.
  figure('rate.askedPerSec', 'requests started per second, asked', 'starts per second', rateOnly('rate')),
  figure('rate.achievedPerSec', 'requests started per second, achieved', 'starts per second', rateOnly('rate')),
  figure('rate.dropped', 'requests dropped (in-flight cap reached on schedule)', 'requests', rateOnly()),
  figure('rate.peakInFlight', 'requests in flight at once, peak', 'requests', rateOnly()),
  figure('latencyMs.p50', 'latency p50', 'ms', { views: tableAndCompare, row: 'latency' }),
  figure('latencyMs.p99', 'latency p99', 'ms', { views: tableAndCompare, row: 'latency' }),
  figure('latencyMs.p90', 'latency p90', 'ms'),
  figure('latencyMs.max', 'latency max', 'ms'),
  figure('latencyMs.mean', 'latency mean', 'ms'),
  // Under a rate, latency runs from the scheduled start; service time from the actual send.
  figure('serviceTimeMs.p50', 'service time p50', 'ms', rateOnly('service')),
  figure('serviceTimeMs.p99', 'service time p99', 'ms', rateOnly('service')),
  figure('serviceTimeMs.p90', 'service time p90', 'ms'),
  figure('serviceTimeMs.max', 'service time max', 'ms'),
  figure('serviceTimeMs.mean', 'service time mean', 'ms'),
  figure('durationMs', 'duration of the load', 'ms'),
  ...kernelFigures('kernelBySide.client', 'kernel, client namespace', false),
  ...kernelFigures('kernelBySide.server', 'kernel, server namespace', false),
  ...namespaceFigures('client'),
  ...namespaceFigures('server'),
  figure('samplesTaken', 'socket table samples', 'samples'),
  ...versusFigures('projection.timeWaitPlateau', 'client TIME_WAIT plateau', 'sockets'),
  ...versusFigures('projection.exhaustedAfterMs', 'time until no port is left', 'time'),
];

export type FigurePath = (typeof FIGURES)[number]['path'];

/** What the failure codes that end a run say, in a few words. */
const CODE_MEANINGS: Record<string, string> = { EADDRNOTAVAIL: 'no local port left', EMFILE: 'no file descriptor left' };

/** Figures with a key of their own, named `<path>.<key>`; the key is what `pattern` captures. */
interface Family {
  pattern: RegExp;
  /** How the names read in a list of what is accepted. */
  name: string;
  label(key: string): string;
  unit: Unit;
  value(summary: SummaryFigures, key: string): number | undefined;
}

/** One figure per failure code, one per count the client keeps. */
const FAMILIES: readonly Family[] = [
  {
    // `requests.errorsByCode.EADDRNOTAVAIL`: failures with one code; a code that did not occur counts 0.
    pattern: /^requests\.errorsByCode\.([A-Z][A-Z0-9_]*)$/,
    name: 'requests.errorsByCode.<CODE>',
    label: (code) => `requests failed with ${code}${CODE_MEANINGS[code] ? ` (${CODE_MEANINGS[code]})` : ''}`,
    unit: 'requests',
    value: (summary, code) => summary.requests.errorsByCode[code] ?? 0,
  },
  {
    // `clientCounters.dnsLookups`: a count the client reported; undefined when it reported no such count.
    pattern: /^clientCounters\.([A-Za-z][A-Za-z0-9]*)$/,
    name: 'clientCounters.<name>',
    label: (name) => `client-reported ${name}`,
    unit: 'count',
    value: (summary, name) => summary.clientCounters[name],
  },
];

/** A figure's name: its path, or a family's path with its key. */
export type FigureName = FigurePath | `requests.errorsByCode.${string}` | `clientCounters.${string}`;

/** The words of the failure-code family's row: `requests failed, by code`. */
export const FAILURES_BY_CODE_LABEL = 'requests failed, by code';

const BY_PATH = new Map<string, Figure>(FIGURES.map((f) => [f.path, f]));

const family = (path: string) =>
  FAMILIES.flatMap((f) => {
    const key = f.pattern.exec(path)?.[1];
    return key === undefined ? [] : [{ family: f, key }];
  })[0];

export const isFigure = (path: string): path is FigureName => BY_PATH.has(path) || family(path) !== undefined;

/** Every name a claim or `--fail-if` may use, for a message that says what is accepted. */
export const FIGURE_NAMES_TEXT = [...BY_PATH.keys(), ...FAMILIES.map((f) => f.name)].join(', ');

/** The figures a view shows, in the table's order. */
export const figuresIn = (view: View): Figure[] => FIGURES.filter((f) => f.views.includes(view));

/** The figure a name names, fixed or of a family (`clientCounters.dnsLookups`); undefined for no figure. */
export function figureOf(path: string): Figure | undefined {
  const keyed = family(path);
  return BY_PATH.get(path) ?? (keyed && figure(path, keyed.family.label(keyed.key), keyed.family.unit));
}

const unitSuffix = (unit: Unit) => (unit === 'ms' || unit === 'µs' ? ` (${unit})` : '');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A figure's label as people read it, with its unit where the words do not say it: `latency p99 (ms)`. */
export function figureLabel(path: string): string {
  const found = figureOf(path);
  return found ? `${found.label}${unitSuffix(found.unit)}` : path;
}

/**
 * Several figures in one row, their labels' shared first words said once:
 * `requests ok` + `requests failed` → `requests ok / failed`; `latency p50 / p99 (ms)`.
 */
export function rowLabel(figures: readonly Figure[]): string {
  const words = figures.map((f) => f.label.split(' '));
  let shared = 0;
  while (words.every((w) => w.length > shared + 1 && w[shared] === words[0]![shared])) shared++;
  const units = new Set(figures.map((f) => f.unit));
  const unit = units.size === 1 ? unitSuffix(figures[0]!.unit) : '';
  return `${[...words[0]!.slice(0, shared), words.map((w) => w.slice(shared).join(' ')).join(' / ')].join(' ')}${unit}`;
}

/** A value as the table shows it: `28,232`, `1.00` connections per request, `0.35` ms, `61.02 s`. */
export function formatFigure(figure: Pick<Figure, 'unit'>, value: number): string {
  if (figure.unit === 'time') return seconds(value);
  const decimals = DECIMALS[figure.unit] ?? 0;
  return decimals === 0 ? formatCount(Math.round(value)) : value.toFixed(decimals);
}

/** The figure's value in a summary; undefined when the summary has none (null, absent, or no such figure). */
export function figureValue(summary: SummaryFigures, path: string): number | undefined {
  const keyed = family(path);
  if (keyed) return keyed.family.value(summary, keyed.key);
  const value = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], summary);
  return typeof value === 'number' ? value : undefined;
}
