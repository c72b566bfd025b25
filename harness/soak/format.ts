// Human output of the soak: returns strings, the caller prints them (on stderr).
import Table from 'cli-table3';
import type { Check, Iteration, SoakReport } from './schema.ts';
import { formatCount } from '../shared/numbers.ts';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `bad 1,000, good 20`: the connections each variant opened (the server's count). */
const connections = (i: Iteration) => i.variants.map((v) => `${v.name} ${formatCount(v.exactCounts.connectionsOpened!)}`).join(', ');
const claims = (i: Iteration) => `${i.claims.held}/${i.claims.total}${i.claims.failed.length > 0 ? ' FAILED' : ''}`;

/** One line per iteration while the soak runs. */
export function formatIterationLine(i: Iteration): string {
  const a = i.after;
  return (
    `[${i.iteration}] ${i.entry}: ${seconds(i.durationMs)}, claims ${claims(i)}, connections ${connections(i)}; ` +
    `fds ${a.fds}, heap ${mib(a.heapUsedBytes)} MiB, RSS ${mib(a.rssBytes)} MiB, processes left ${a.processes}, namespaces left ${a.namespaces.length}`
  );
}

export function formatSoakTable(report: SoakReport): string {
  const table = new Table({
    head: ['#', 'scenario@topology', 'time', 'claims', 'connections', 'fds', 'heap MiB', 'RSS MiB', 'procs', 'netns', 'host TW'],
    style: { head: [], border: [], compact: true },
  });
  const b = report.before;
  table.push(['before', '', '', '', '', b.fds, mib(b.heapUsedBytes), mib(b.rssBytes), b.processes, b.namespaces.length, formatCount(b.hostTimeWait)]);
  for (const i of report.iterations) {
    const a = i.after;
    table.push([
      i.iteration,
      i.entry,
      seconds(i.durationMs),
      claims(i),
      connections(i),
      a.fds,
      mib(a.heapUsedBytes),
      mib(a.rssBytes),
      `${a.processes} (${i.during.processes})`,
      `${a.namespaces.length} (${i.during.namespaces})`,
      formatCount(a.hostTimeWait),
    ]);
  }
  return [
    table.toString(),
    '  connections: as the server counted them, per variant; fds, heap (after a forced GC), RSS: this process, after the iteration;',
    '  procs, netns: processes and namespaces of the soak left after it (the most seen while a variant ran);',
    "  host TW: TIME_WAIT in the host's namespace, every program's (loopback runs leave theirs for 60 s).",
  ].join('\n');
}

export const formatChecks = (checks: Check[]) => checks.map((c) => `  ${c.held ? 'held  ' : 'FAILED'}  ${c.name}: ${c.detail}`).join('\n');

export function formatVerdict(report: SoakReport): string {
  const failed = report.checks.filter((c) => !c.held).map((c) => c.name);
  const minutes = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 60_000;
  return failed.length === 0
    ? `Verdict: flat. ${report.iterations.length} iterations in ${minutes.toFixed(1)} min: every check held.`
    : `Verdict: NOT flat. ${report.iterations.length} iterations in ${minutes.toFixed(1)} min; failed: ${failed.join(', ')}.`;
}
