// Text that comes from outside the lab's own code (strings in result files, a control endpoint's
// answers, a client's stderr, file names) printed on a terminal. A terminal obeys the control
// characters in what it is given: ESC[2J clears the screen, ESC]0;...BEL retitles the window, a CR
// or LF forges a line. Shown as escapes instead, they are read, not obeyed.

/**
 * C0 and C1 control characters and DEL (Unicode category Cc), the line and paragraph separators, and
 * the bidirectional overrides and isolates that reorder what is shown (CVE-2021-42574, "Trojan Source").
 */
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const escape = (c: string) => {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` with every control character written as an escape (`\x1b[2J`): one line, obeyed by no terminal. */
export function printable(text: string): string {
  return text.replace(CONTROL, escape);
}

/** A copy of `value` with every string in it (keys too) made printable: for formatting a whole structure read from outside. */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map(printableDeep) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [printable(k), printableDeep(v)])) as T;
  }
  return value;
}
