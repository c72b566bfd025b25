// A measured client's output, read in bulk as it comes: it may print anything, as fast as it likes
// (`yes` writes 20 MB in 0.05 s), and that must cost next to nothing. Only lines that look like
// protocol lines (looksLikeProtocolLine) are parsed; a chunk without a `{` costs one scan, no split.
// Of stderr only the last bytes are kept, for the last lines of a client that fails.
import { looksLikeProtocolLine, MAX_PROTOCOL_LINE_CHARS } from '../shapes/client-protocol.ts';

/** The lines of its stderr a client's failure shows: the last few, each cut to a length a terminal shows. */
const TAIL_LINES = 5;
const LINE_CHARS = 300;
/** Enough of the end of stderr for TAIL_LINES lines of LINE_CHARS. */
const TAIL_KEPT_CHARS = 4 * TAIL_LINES * LINE_CHARS;

/**
 * Follows `stream` (a client's stdout), handing each candidate protocol line to `onLine` and each
 * one too long to be one (over MAX_PROTOCOL_LINE_CHARS, of which none is kept) to `onTooLong`.
 */
export function followProtocolLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void, onTooLong: () => void): void {
  // The start of the current line, while it may be a protocol line; null while it cannot be (skipped until its end).
  let carry: string | null = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (!carry && !chunk.includes('{')) {
      // No protocol line is in this chunk: only whether it ends at the end of a line matters.
      carry = chunk.endsWith('\n') ? '' : null;
      return;
    }
    const lines = chunk.split('\n');
    const last = lines.pop()!;
    for (const [i, part] of lines.entries()) {
      const line = i === 0 ? (carry === null ? null : carry + part) : part;
      carry = '';
      if (line === null) continue;
      if (line.length > MAX_PROTOCOL_LINE_CHARS) onTooLong();
      else if (looksLikeProtocolLine(line)) onLine(line);
    }
    const open = lines.length === 0 ? (carry === null ? null : carry + last) : last;
    if (open !== null && open.length > MAX_PROTOCOL_LINE_CHARS) onTooLong();
    carry = open !== null && open.length <= MAX_PROTOCOL_LINE_CHARS && (open === '' || open.startsWith('{')) ? open : null;
  });
}

/** Follows `stream` (a client's stderr), keeping its end; `lines()` gives its last TAIL_LINES non-empty lines, each cut to LINE_CHARS. */
export function followTail(stream: NodeJS.ReadableStream): { lines(): string[] } {
  let kept = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    kept = (kept + chunk.slice(-TAIL_KEPT_CHARS)).slice(-TAIL_KEPT_CHARS);
  });
  return {
    lines: () =>
      kept
        .split('\n')
        .filter((line) => line.trim())
        .slice(-TAIL_LINES)
        .map((line) => (line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line)),
  };
}
