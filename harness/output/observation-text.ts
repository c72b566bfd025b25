// What `npm run observe` prints on stderr: the rows as lines (plain on a pipe, once at the end) and
// the live view of the busiest destinations, redrawn every second on a terminal.
import type { Row } from '../host/rows.ts';
import type { Observation } from '../host/observation-schema.ts';
import { formatCount } from '../shared/numbers.ts';
import { printable } from '../shared/printable.ts';
import { wrapIndented } from './terminal-text.ts';

/** Rows shown in the live view and in the final text. */
const SHOWN = 10;

const rate = (perSecond: number) => (perSecond >= 10 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1));

/** One short line per row: the live view's table. */
export function rowLine(row: Row): string {
  const who = row.process ? `${row.process.name}${row.process.processes > 1 ? ` x${row.process.processes}` : ` ${row.process.pids[0]}`}` : '-';
  const side = row.direction === 'outbound' ? 'to  ' : 'from';
  return `${side} ${row.destination.padEnd(28)} ${rate(row.perSecond).padStart(7)}/s  TIME_WAIT ${formatCount(row.timeWaitNow).padStart(7)}  ${who}`;
}

/** The live view's frame: the busiest destinations now. */
export function liveFrame(rows: Row[], windowS: number, timeWait: number, where: string): string[] {
  return [
    `observing ${where}: ${windowS.toFixed(0)} s, ${formatCount(timeWait)} in TIME_WAIT (Ctrl-C ends it and keeps what was read)`,
    ...(rows.length === 0 ? ['  no connection seen yet'] : rows.slice(0, SHOWN).map((r) => `  ${printable(rowLine(r))}`)),
  ];
}

/** The final text: the answer, a diagnosis per busy row, what was not read. */
export function observationLines(o: Observation, columns: number): string[] {
  const lines = [printable(o.summary)];
  const shown = o.rows.filter((r) => r.newConnections > 0 || r.timeWaitNow > 0).slice(0, SHOWN);
  if (o.churns) for (const row of shown) lines.push(wrapIndented(`- ${printable(row.diagnosis)}`, columns, '  '));
  if (o.endedBy === 'gone') lines.push(`the observation ended early: ${o.endedBecause}`);
  for (const what of o.unread) lines.push(`not read: ${what}`);
  return lines;
}

export interface ObservationProgress {
  show(rows: Row[], windowS: number, timeWait: number): void;
  close(): void;
}

/** Plain lines: one every this many seconds on a pipe. */
const PLAIN_EVERY_S = 5;

/**
 * On a terminal, the live frame redrawn in place (ECMA-48: cursor up n lines, erase down); on a pipe
 * a line every few seconds with the busiest row; nothing when quiet.
 */
export function observationProgress(mode: 'live' | 'plain' | 'quiet', where: string, stream: NodeJS.WriteStream = process.stderr): ObservationProgress {
  let drawn = 0;
  let lastPlain = 0;
  let closed = false;
  return {
    show(rows, windowS, timeWait) {
      if (closed || mode === 'quiet') return;
      if (mode === 'live') {
        const frame = liveFrame(rows, windowS, timeWait, where);
        stream.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[J${frame.join('\n')}\n`);
        drawn = frame.length;
      } else if (windowS - lastPlain >= PLAIN_EVERY_S) {
        lastPlain = windowS;
        const busiest = rows[0];
        stream.write(`observe: ${windowS.toFixed(0)} s, ${formatCount(timeWait)} in TIME_WAIT${busiest ? `; busiest: ${printable(rowLine(busiest)).replace(/\s+/g, ' ')}` : ''}\n`);
      }
    },
    close: () => {
      closed = true;
    },
  };
}
