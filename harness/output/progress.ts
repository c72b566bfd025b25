// Shows a run's progress on stderr: a live view redrawn in place on a terminal, a few plain lines
// when stderr is a pipe or a file, nothing with --quiet. The text itself comes from live-view.ts.
import {
  newVariantView,
  PLAIN_MILESTONES,
  plainDoneLine,
  plainDrainLine,
  plainProgressLine,
  plainStartLine,
  renderFrame,
  settled,
  updateView,
  type VariantView,
} from './live-frame.ts';
import { expectedPlateau } from '../result/time-wait.ts';
import { terminalColumns } from './terminal-text.ts';
import type { RunEvent } from '../run/run-scenario.ts';
import { isRateLoad, type LoadSettings } from '../shapes/load-settings.ts';

export type OutputMode = 'live' | 'plain' | 'quiet';

export function outputMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): OutputMode {
  return quiet ? 'quiet' : stream.isTTY ? 'live' : 'plain';
}

export interface ProgressOutput {
  onEvent(event: RunEvent): void;
  /** Stops redrawing and gives the cursor back; safe to call more than once. */
  close(): void;
}

// ANSI/VT100 control sequences (ECMA-48): cursor to the start of the line n lines up, erase to
// the end of the screen, hide and show the cursor.
const up = (lines: number) => (lines > 0 ? `\x1b[${lines}F` : '');
const ERASE_DOWN = '\x1b[J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** At most this many redraws a second: samples arrive every 100 ms, progress every 250 ms. */
const REDRAW_EVERY_MS = 100;

function liveOutput(stream: NodeJS.WriteStream): ProgressOutput {
  let view: VariantView | null = null;
  let drawnLines = 0;
  let scaleMax = 0;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | null = null;
  let cursorHidden = false;
  let closed = false;
  const showCursor = () => {
    if (cursorHidden) stream.write(SHOW_CURSOR);
    cursorHidden = false;
  };
  process.once('exit', showCursor);

  const draw = () => {
    if (pending) clearTimeout(pending);
    pending = null;
    if (!view) return;
    lastDraw = performance.now();
    const lines = renderFrame(view, { columns: terminalColumns(stream), color: true, scaleMax });
    stream.write(`${cursorHidden ? '' : HIDE_CURSOR}${up(drawnLines)}${ERASE_DOWN}${lines.join('\n')}\n`);
    cursorHidden = true;
    drawnLines = lines.length;
  };
  const drawSoon = () => {
    const wait = REDRAW_EVERY_MS - (performance.now() - lastDraw);
    if (wait <= 0) draw();
    else pending ??= setTimeout(draw, wait);
  };

  return {
    onEvent(event) {
      // Events still arrive while an interrupted run stops; its message must stay on screen.
      if (closed) return;
      // A frame per trial (one per variant without --repeat), from its start to its end.
      if (event.type === 'variant-start') {
        view = viewOf(event);
        drawnLines = 0;
        draw();
      } else if (view && event.type !== 'variant-done') {
        updateView(view, event);
        scaleMax = Math.max(scaleMax, ...view.timeWait.slice(-1));
        if (event.type !== 'trial-done') return drawSoon();
        // The finished frame stays on screen; the next trial or variant draws below it.
        draw();
        view = null;
      }
    },
    close() {
      closed = true;
      if (pending) clearTimeout(pending);
      pending = null;
      showCursor();
      process.removeListener('exit', showCursor);
    },
  };
}

function plainOutput(stream: NodeJS.WriteStream): ProgressOutput {
  let view: VariantView | null = null;
  let milestone = 0;
  const write = (line: string) => stream.write(`${line}\n`);
  return {
    onEvent(event) {
      if (event.type === 'variant-start') {
        view = viewOf(event);
        milestone = 0;
        write(plainStartLine(view));
      } else if (view && event.type !== 'variant-done') {
        updateView(view, event);
        if (event.type === 'trial-done') {
          write(plainDoneLine(view));
          view = null;
        } else if (event.type === 'load-done') {
          if (event.drainLimitMs !== null) write(plainDrainLine(view));
        } else if (event.type === 'progress') {
          // One line for the highest milestone passed since the last line (of a known number of requests).
          const { requests: total } = view;
          const percent = total === null ? 0 : (100 * settled(view)) / total;
          const passed = PLAIN_MILESTONES.filter((m) => m > milestone && m <= percent).at(-1);
          if (passed !== undefined) {
            milestone = passed;
            write(plainProgressLine(view, passed));
          }
        }
      }
    },
    close() {},
  };
}

/** What the view shows of a load under a rate; undefined for closed loops. */
const viewRate = (load: LoadSettings | null) => (load && isRateLoad(load) ? { askedPerSec: load.rate, cap: load.concurrency } : undefined);

/** A fresh view of the variant (each trial's) that starts, with its own load: none for a measurement (its clients may say what they send). */
const viewOf = (event: Extract<RunEvent, { type: 'variant-start' }>) =>
  newVariantView(event.variant, event.port, event.load?.requests ?? null, event.trial, event.trials, event.host, viewRate(event.load), expectedPlateau(event.load));

export function progressOutput(mode: OutputMode, stream: NodeJS.WriteStream = process.stderr): ProgressOutput {
  if (mode === 'live') return liveOutput(stream);
  if (mode === 'plain') return plainOutput(stream);
  return { onEvent() {}, close() {} };
}
