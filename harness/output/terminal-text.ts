// Small helpers for text on a terminal: wrapping to its width, colour only when asked for.
import { styleText } from 'node:util';

/** The terminal's width, or 80 when it has none (a pipe, or a pseudo-terminal of size 0). */
export function terminalColumns(stream: NodeJS.WriteStream = process.stderr): number {
  return stream.isTTY && stream.columns > 0 ? stream.columns : 80;
}

/**
 * Asks the kernel for the terminal's size now, as Node's own SIGWINCH handler does (lib/tty.js,
 * `_refreshSize`, which emits 'resize' on a change); true when it changed. Node hears of a resize
 * only when its event loop gets to the signal: a frame drawn before that, at the old width, on a
 * terminal that has already rewrapped the last one, would erase too few rows and leave some behind.
 */
export function sizeChanged(stream: NodeJS.WriteStream): boolean {
  const { columns, rows } = stream;
  (stream as NodeJS.WriteStream & { _refreshSize?: () => void })._refreshSize?.();
  return stream.columns !== columns || stream.rows !== rows;
}

/** Word-wraps `text` into lines of at most `width` columns (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** `wrap`, joined, with every line after the first starting with `indent`. */
export function wrapIndented(text: string, width: number, indent: string): string {
  return wrap(text, width).join(`\n${indent}`);
}

export type Style = Parameters<typeof styleText>[0];

/** A styler that colours when `color` is true and returns the text as it is otherwise. */
export function styler(color: boolean): (style: Style, text: string) => string {
  return (style, text) => (color ? styleText(style, text, { validateStream: false }) : text);
}
