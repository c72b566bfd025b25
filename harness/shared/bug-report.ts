// An error the lab did not foresee is a bug in the lab. Its user gets one line that names it and a
// file that holds the details (the stack, the command, the versions, and what would otherwise be
// lost, such as a result that failed its own schema), not a stack trace on the terminal.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { LabError } from './errors.ts';

/** `TypeError: Cannot convert undefined or null to object`: the error's name and the first line of its message. */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0]!;
  return `${error.name}: ${error.message.split('\n')[0]}`;
}

export interface Attachment {
  /** What it is, e.g. "the result, which failed its schema". */
  what: string;
  text: string;
}

/**
 * Writes the details of `error` (met by `command`) to a new file in the OS's temporary folder and
 * returns its path; null when even that cannot be written (the caller then shows the stack itself).
 */
export function writeBugReport(command: string, error: unknown, attachment?: Attachment): string | null {
  const time = new Date().toISOString();
  const file = path.join(os.tmpdir(), `timewait-lab-bug-${time.replace(/[:.]/g, '-')}-${process.pid}-${Math.random().toString(16).slice(2, 8)}.txt`);
  const text = [
    `timewait-lab: ${command} failed unexpectedly at ${time}`,
    `command line: ${process.argv.slice(1).join(' ')}`,
    `node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`,
    '',
    // The stack, and those of its causes.
    inspect(error, { depth: 8 }),
    ...(attachment ? ['', `${attachment.what}:`, attachment.text] : []),
    '',
  ].join('\n');
  try {
    // wx: a new file, never one that is there already (nor a link someone left in /tmp).
    writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
    return file;
  } catch {
    return null;
  }
}

/**
 * Writes the bug report of `error` and returns the words that say so, for the one line its user
 * reads: "the lab failed unexpectedly (TypeError: ...); this is a bug in the lab, please report it;
 * its details are in /tmp/timewait-lab-bug-....txt".
 */
export function bugMessage(command: string, error: unknown): { message: string; file: string | null } {
  const file = writeBugReport(command, error);
  const where = file ? `its details are in ${file}` : 'its details could not be written to a file';
  return { message: `the lab failed unexpectedly (${errorLine(error)}); this is a bug in the lab, please report it; ${where}`, file };
}

/** A result that fails its own schema is a bug in the lab: what it measured goes to the bug report rather than being lost; the error names the file. */
export function resultKeptInBugReport(command: string, error: Error, result: unknown): LabError {
  const file = writeBugReport(command, error, { what: 'the result, which failed its own schema', text: JSON.stringify(result, null, 2) });
  return new LabError(`${error.message}; this is a bug in the lab, please report it; ${file ? `the result and its problems are in ${file}` : 'and it could not be saved to a file'}`);
}
