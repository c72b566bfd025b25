// Writes a result whole or not at all: validate, write a temporary file beside the target, flush
// it to disk, then move it into place in one step. An explicit file is replaced (rename(2), atomic
// within one filesystem); a new name in a folder never replaces another run's result (link(2) fails
// with EEXIST instead). Reads a result back only when it passes the schema of its version (an older
// one is brought up to the current one), with a one-line reason when it does not.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LabError, UsageError } from '../shared/errors.ts';
import { isReadableVersion, problemsOf, READABLE_VERSIONS, toCurrent } from './migrate.ts';
import { resultProblems, SCHEMA_VERSION, type Result } from './schema.ts';
import type { ResultV1 } from './schema-v1.ts';

export const RESULTS_DIR = new URL('../../results/', import.meta.url).pathname;

/** Where a result goes: a file the user named (replaced if it exists), or a new file in a folder. */
export type ResultDestination = { file: string } | { folder: string };

/** An ISO time as a file name can hold it on any system: `2026-11-23T22-10-05-123Z`. Names sort by it. */
export const fileTimestamp = (iso: string) => iso.replaceAll(':', '-').replace('.', '-');

/** `2026-11-23T22-10-05-123Z-no-body-close.json`: sorts by time, says the scenario. */
export function resultFileName(result: Pick<Result, 'scenario' | 'startedAt'>): string {
  return `${fileTimestamp(result.startedAt)}-${result.scenario}.json`;
}

/**
 * `mkdir -p` that reports the real reason: Node's recursive mkdir says ENOENT where the kernel said
 * EROFS or ENOSPC (nodejs/node#47098, #42808). A file in the way surfaces at the next open (ENOTDIR).
 * Returns the folders it created, outermost first.
 */
async function makeFolder(dir: string): Promise<string[]> {
  try {
    await mkdir(dir);
    return [dir];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return [];
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw error;
    const made = await makeFolder(path.dirname(dir));
    const madeThis = await mkdir(dir).then(
      () => true,
      (again: NodeJS.ErrnoException) => {
        if (again.code !== 'EEXIST') throw again;
        return false;
      },
    );
    return madeThis ? [...made, dir] : made;
  }
}

/** `EROFS: read-only file system` out of Node's `EROFS: read-only file system, open '/x/y'`. */
const reason = (error: unknown) => (error as Error).message.split(', ')[0];

/**
 * Links `temporary` to `file`, or, when that name is taken, to `name-2.json`, `name-3.json`...: two
 * runs that start in the same millisecond (or results synced from another machine) each keep their
 * own file. Ends: every failed try is a name that exists, and a folder holds finitely many.
 */
async function linkToFreeName(temporary: string, file: string): Promise<string> {
  const { dir, name, ext } = path.parse(file);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? file : path.join(dir, `${name}-${n}${ext}`);
    try {
      await link(temporary, candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** What a path that exists but is no regular file is ("a character device"), or null. rename(2) would replace it. */
async function notAFile(file: string): Promise<string | null> {
  const found = await stat(file).catch(() => null);
  if (!found || found.isFile()) return null;
  if (found.isDirectory()) return 'a folder';
  if (found.isCharacterDevice()) return 'a character device';
  if (found.isBlockDevice()) return 'a block device';
  if (found.isFIFO()) return 'a named pipe';
  return 'a socket';
}

/**
 * Writes `text` to `file` whole or not at all, and returns the file it wrote; throws a LabError
 * naming `what` it was. With `replace: false` an existing file is kept and the text goes to the
 * next free name (linkToFreeName). No temporary file is left, whatever fails (a full disk too).
 */
export async function writeFileAtomically(file: string, text: string, what: string, { replace = true } = {}): Promise<string> {
  // Unique to this write, so that no other writer (another run, or this one twice) shares or removes it.
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  // As root, renaming over /dev/null would replace the device with a file.
  const other = await notAFile(file);
  if (other) throw new LabError(`refusing to write the ${what} to ${file}: it is ${other}, not a file`);
  try {
    await makeFolder(path.dirname(file));
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!replace) return await linkToFreeName(temporary, file);
    await rename(temporary, file);
    return file;
  } catch (error) {
    throw new LabError(`could not write the ${what} to ${file}: ${(error as Error).message}`);
  } finally {
    // After a rename there is nothing left to remove; after a link, the temporary name is.
    await rm(temporary, { force: true }).catch(() => {});
  }
}

/**
 * Before a run: can a result be written where it is to go? Creates the folder, then a probe file
 * there, linked as a new result is, and removes them all again (a run that writes nothing leaves
 * nothing): nobody waits through a run whose result would be lost. A UsageError in one line otherwise.
 */
export async function checkDestination(destination: ResultDestination): Promise<void> {
  if ('file' in destination) {
    const { file } = destination;
    const other = await notAFile(file);
    if (other === 'a folder') throw new UsageError(`--out ${file} is a folder; give a file name, or use --out-dir ${file}`);
    // Writing replaces the file: as root, --out /dev/null would replace the device itself.
    if (other) throw new UsageError(`--out ${file} is ${other}, not a file: the result would replace it whole; give the name of a file`);
  }
  const folder = 'file' in destination ? path.dirname(destination.file) : destination.folder;
  const probe = path.join(folder, `.write-check.${process.pid}.tmp`);
  let made: string[] = [];
  try {
    made = await makeFolder(folder);
    await (await open(probe, 'wx')).close();
    if ('folder' in destination) await link(probe, `${probe}.link`);
  } catch (error) {
    throw new UsageError(`cannot write results to ${folder} (${reason(error)}); choose another place with --out <file> or --out-dir <folder>`);
  } finally {
    await Promise.all([probe, `${probe}.link`].map((f) => rm(f, { force: true }).catch(() => {})));
    // rmdir, not rm -r: a folder another run has begun to use since is not empty, and stays.
    for (const dir of made.reverse()) await rmdir(dir).catch(() => {});
  }
}

/** The text of a JSON file of `value` (a result, a bench or soak report) that has no `problems`; a LabError naming them otherwise. */
export function validJsonText(value: unknown, problems: string[], what: string): string {
  if (problems.length > 0) throw new LabError(`refusing to write an invalid ${what}: ${problems.join('; ')}`);
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Validates the result and writes it to `destination`; returns the file written. */
export async function writeResult(result: Result, destination: ResultDestination = { folder: RESULTS_DIR }): Promise<string> {
  const text = validJsonText(result, resultProblems(result), 'result');
  return 'file' in destination
    ? await writeFileAtomically(destination.file, text, 'result')
    : await writeFileAtomically(path.join(destination.folder, resultFileName(result)), text, 'result', { replace: false });
}

export interface ResultFile {
  file: string;
  result: Result;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not JSON (${(error as Error).message.replace(/\s+/g, ' ')})`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a parsed file is not a result this lab reads, in one line; null when it is one. */
export function resultFileProblem(value: unknown): string | null {
  if (!isObject(value) || !('schemaVersion' in value)) return 'not a timewait-lab result (it has no schemaVersion)';
  const version = value.schemaVersion;
  if (!isReadableVersion(version)) {
    const by =
      typeof version !== 'number' ? 'which is not a version number'
      : version > SCHEMA_VERSION ? 'written by a newer timewait-lab: update this one to read it'
      : 'written by an older timewait-lab: run the scenario again to compare with it';
    return `result schema version ${JSON.stringify(version)}, ${by} (this lab reads versions ${READABLE_VERSIONS.join(' and ')})`;
  }
  const problems = problemsOf(version, value);
  if (problems.length === 0) return null;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return `does not match result schema v${version}: ${problems[0]}${more}`;
}

function validated(file: string, value: unknown): Result {
  const problem = resultFileProblem(value);
  if (problem) throw new UsageError(`${file}: ${problem}`);
  return toCurrent(value as ResultV1 | Result);
}

/** A result file of any version this lab reads, validated and in the current version; a UsageError with one line naming the file and the reason otherwise. */
export async function readResult(file: string): Promise<Result> {
  return validated(file, await readJson(file));
}

/**
 * Every result in a folder (not its subfolders). JSON files that are not scenario results (without
 * `scenario` and `variants`, such as the benchmark's) are skipped and named; a result that fails
 * the schema is an error, never silently dropped.
 */
export async function readResultFolder(dir: string): Promise<{ results: ResultFile[]; skipped: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => path.join(dir, e.name))
    .sort();
  const results: ResultFile[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const value = await readJson(file);
    if (!isObject(value) || !('scenario' in value && 'variants' in value)) {
      skipped.push(file);
      continue;
    }
    results.push({ file, result: validated(file, value) });
  }
  return { results, skipped };
}
