// Before a measurement starts, each client's command must be one that can run: the words after `--`
// name an executable file (a path, or a name found on PATH); a `--client` shell command must parse,
// and its first word, when it is a plain one, must be something the shell can run. Anything else
// is bad input, told in one line, before any server or namespace exists.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../shared/errors.ts';
import type { MeasuredClient } from '../scenario/measurement.ts';

/** Why `file` cannot be run (it is missing, a folder, or not executable), or null when it can. */
async function executableProblem(file: string): Promise<string | null> {
  const isPath = file.includes('/');
  const candidates = isPath ? [file] : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => path.join(dir, file));
  for (const candidate of candidates) {
    const found = await stat(candidate).catch(() => null);
    if (!found?.isFile()) {
      if (isPath && found) return `${file} is a folder, not a program`;
      continue;
    }
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return null;
    if (isPath) return `${file} is not executable (chmod +x ${file}, or run it through its interpreter: sh ${file})`;
  }
  return isPath ? `${file} was not found` : `command "${file}" was not found on PATH`;
}

/** A word the shell runs as it reads it: no quotes, variables, globs, redirections or separators. */
const PLAIN_WORD = /^[A-Za-z0-9_./+-]+$/;
/** `NAME=value` before a command, with nothing in the value the shell would expand or unquote. */
const PLAIN_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=[^'"`$\\;&|<>()]*$/;

/** The program a shell command starts with, when it is a plain word (`curl -s ...`: curl); undefined when the shell must say. */
function firstProgram(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  // An assignment with quotes or expansions is not a plain word either: then the shell must say.
  const first = words.find((word) => !PLAIN_ASSIGNMENT.test(word));
  return first !== undefined && PLAIN_WORD.test(first) ? first : undefined;
}

async function shellCommandProblem(command: string): Promise<string | null> {
  // `sh -n` reads the command without running any of it (POSIX sh: set -n).
  const parsed = await execa('sh', ['-n', '-c', command], { reject: false, stdin: 'ignore' });
  if (parsed.exitCode !== 0) return `the shell cannot parse it: ${parsed.stderr.trim().split('\n').at(-1) ?? `sh -n exited with ${parsed.exitCode}`}`;
  const program = firstProgram(command);
  if (program === undefined) return null;
  if (program.includes('/')) return executableProblem(program);
  // `command -v` finds what the shell would run: a keyword (for), a builtin (cd) or a program on PATH.
  const found = await execa('sh', ['-c', 'command -v -- "$1"', 'sh', program], { reject: false, stdin: 'ignore' });
  return found.exitCode === 0 ? null : `command "${program}" was not found (sh looks it up on PATH)`;
}

/** Refuses, in one line, a client whose command cannot run. */
export async function checkClientCommand(client: MeasuredClient): Promise<void> {
  const problem = client.shell ? await shellCommandProblem(client.command) : await executableProblem(client.argv[0]);
  if (problem) throw new UsageError(client.shell ? `--client ${client.name}: ${problem}` : problem);
}
