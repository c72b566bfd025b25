// The zod building blocks every schema of the lab is made of (a count, a port, a time in ms, a
// function), and the one way a zod error becomes the lab's message lines, each naming its field.
import { z } from 'zod';

// Every schema of the lab checks a few values once (a scenario, a message, a result), never in a hot
// loop: zod's compiled parsers (jit, built with new Function on first use) cost more to build than
// they save, about 35 ms of `npm run scenario -- --list` (npm run bench measures the start).
z.config({ jitless: true });

/** A whole number, 0 or more: requests, connections, sockets. */
export const count = z.number().int().nonnegative();
/** A whole number, 1 or more. */
export const positiveCount = z.number().int().positive();
/** A TCP port; 0 asks the kernel for a free one. */
export const port = z.number().int().min(0).max(65535);
/** Node's timers hold at most 2^31 − 1 ms; a longer delay becomes 1 ms (Node docs, setTimeout). */
export const MAX_TIMER_MS = 2_147_483_647;
/** A whole number of ms that a timer can wait: from `min` to MAX_TIMER_MS. */
export const timerMs = (min = 0) => z.number().int().min(min).max(MAX_TIMER_MS);

/** A function, checked to be one and typed as `T` (zod's own function schema would wrap it in a checker). */
export const fn = <T extends (...args: never[]) => unknown>() =>
  z.custom<T>((value) => typeof value === 'function', {
    error: (issue) => `Invalid input: expected function, received ${issue.input === null ? 'null' : typeof issue.input}`,
  });

export interface ProblemWords {
  /** What a problem with the value itself is called (its path is empty). */
  root?: string;
  /** A field's name as the reader knows it; default: its path, dot-separated (`claims.2.variant`). */
  field?: (path: PropertyKey[]) => string;
}

/** One line per problem of a zod error, `<field>: <message>`, in the reader's words. */
export function problemLines(error: z.ZodError, { root = '(root)', field = (path) => path.join('.') }: ProblemWords = {}): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? field(issue.path) : root}: ${issue.message}`);
}

/** What is wrong with a value, checked against a schema: one line per problem; empty when none. */
export function schemaProblems(schema: z.ZodType, value: unknown, words?: ProblemWords): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : problemLines(parsed.error, words);
}
