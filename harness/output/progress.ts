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
import { ledgerSentence } from './connection-rows.ts';
import { stripVTControlCharacters } from 'node:util';
import ansiEscapes from 'ansi-escapes';
import { createLogUpdate } from 'log-update';
import { sizeChanged, terminalColumns } from './terminal-text.ts';
import { drawingFailure, errorLine } from './drawing-failure.ts';
import type { RunEvent } from '../scenario/run-events.ts';
import { isRateLoad, type LoadSettings } from '../shapes/load-settings.ts';

export type OutputMode = 'live' | 'plain' | 'quiet';

export function outputMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): OutputMode {
  return quiet ? 'quiet' : stream.isTTY ? 'live' : 'plain';
}

export interface ProgressOutput {
  onEvent(event: RunEvent): void;
  /** Stops redrawing and gives the cursor back; safe to call more than once. */
  close(): void;
  /** Why the drawing stopped by itself (it failed: the run goes on, and its result is written), or null. */
  readonly failure?: string | null;
}

/**
 * The output `make` draws, made so that a drawing that fails stops drawing and never the run: the
 * measurement and its result do not depend on what is drawn of them. `fail` is for its timers.
 */
function guarded(make: (fail: (error: unknown) => void) => ProgressOutput): ProgressOutput {
  let failure: string | null = null;
  const fail = (error: unknown) => {
    failure ??= errorLine(error);
    drawingFailure(() => output.close());
  };
  const output = make(fail);
  return {
    onEvent(event) {
      if (failure) return;
      try {
        output.onEvent(event);
      } catch (error) {
        fail(error);
      }
    },
    close: () => output.close(),
    get failure() {
      return failure;
    },
  };
}

/** At most this many redraws a second: samples arrive every 100 ms, progress every second. */
const REDRAW_EVERY_MS = 100;

/**
 * The rows `lines` take once a terminal that reflows (VTE, iTerm2, Windows Terminal, kitty, tmux)
 * has rewrapped them to `columns`, with the row below them where the cursor waits.
 */
const rowsAfterReflow = (lines: string[], columns: number) =>
  1 + lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(stripVTControlCharacters(line).length / columns)), 0);

/**
 * The live view: each trial's frame redrawn in place by log-update, which wraps it to the
 * terminal's width (wrap-ansi) and erases the lines the last frame took; a resize redraws the frame
 * at once at the new width, so that no frame of the old width stays behind. A narrower terminal has
 * rewrapped the last frame into more rows than log-update knows of: those are erased first.
 */
function liveOutput(stream: NodeJS.WriteStream, fail: (error: unknown) => void): ProgressOutput {
  const frame = createLogUpdate(stream);
  let drawn: { lines: string[]; columns: number } | null = null;
  let view: VariantView | null = null;
  let scaleMax = 0;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | null = null;
  let closed = false;

  const draw = () => {
    if (pending) clearTimeout(pending);
    pending = null;
    if (!view) return;
    // A change emits 'resize', whose handler has drawn this frame at the new size.
    if (sizeChanged(stream)) return;
    lastDraw = performance.now();
    const columns = terminalColumns(stream);
    if (drawn && columns < drawn.columns) {
      stream.write(ansiEscapes.eraseLines(rowsAfterReflow(drawn.lines, columns)));
      frame.done();
    }
    drawn = { lines: renderFrame(view, { columns, color: true, scaleMax }), columns };
    frame(drawn.lines.join('\n'));
  };
  const drawSafely = () => {
    try {
      draw();
    } catch (error) {
      fail(error);
    }
  };
  const drawSoon = () => {
    const wait = REDRAW_EVERY_MS - (performance.now() - lastDraw);
    if (wait <= 0) draw();
    else pending ??= setTimeout(drawSafely, wait);
  };
  // The terminal's SIGWINCH, as Node's tty stream tells it.
  stream.on('resize', drawSafely);

  return {
    onEvent(event) {
      // Events still arrive while an interrupted run stops; its message must stay on screen.
      if (closed) return;
      // A frame per trial (one per variant without --repeat), from its start to its end.
      if (event.type === 'variant-start') {
        view = viewOf(event);
        draw();
      } else if (event.type === 'variant-done') {
        const sentence = ledgerSentence(event.result);
        if (sentence) stream.write(`${event.result.name}: ${sentence}\n`);
      } else if (view) {
        updateView(view, event);
        scaleMax = Math.max(scaleMax, ...view.timeWait.slice(-1));
        if (event.type !== 'trial-done') return drawSoon();
        // The finished frame stays on screen; the next trial or variant draws below it.
        draw();
        frame.done();
        view = null;
        drawn = null;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      if (pending) clearTimeout(pending);
      pending = null;
      stream.off('resize', drawSafely);
      view = null;
      frame.done();
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
      } else if (event.type === 'variant-done') {
        const sentence = ledgerSentence(event.result);
        if (sentence) write(`${event.result.name}: ${sentence}`);
      } else if (view) {
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
  if (mode === 'live') return guarded((fail) => liveOutput(stream, fail));
  if (mode === 'plain') return guarded(() => plainOutput(stream));
  return { onEvent() {}, close() {} };
}
