// Writes a result whole or not at all: validate, write a temporary file beside the target, flush
// it to disk, then move it into place in one step. An explicit file is replaced (rename(2), atomic
// within one filesystem); a new name in a folder never replaces another run's result (link(2) fails
// with EEXIST instead). Reading results back is ./read.ts.
import type { Stats } from 'node:fs';
import { link, mkdir, open, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LabError, UsageError } from '../shared/errors.ts';
import { probeFile, removeLeftoverFiles, temporaryFile } from './leftover-files.ts';
import { resultProblems, type Result } from './schema.ts';

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

/** What something that is no regular file is, in words: "a folder", "a named pipe". */
export function kindOf(found: Stats): string {
  if (found.isDirectory()) return 'a folder';
  if (found.isCharacterDevice()) return 'a character device';
  if (found.isBlockDevice()) return 'a block device';
  if (found.isFIFO()) return 'a named pipe';
  if (found.isSymbolicLink()) return 'a link';
  return 'a socket';
}

/** What a path that exists but is no regular file is ("a character device"), or null. rename(2) would replace it. */
async function notAFile(file: string): Promise<string | null> {
  const found = await stat(file).catch(() => null);
  return !found || found.isFile() ? null : kindOf(found);
}

/**
 * Writes `text` to `file` whole or not at all, and returns the file it wrote; throws a LabError
 * naming `what` it was. With `replace: false` an existing file is kept and the text goes to the
 * next free name (linkToFreeName). No temporary file is left, whatever fails (a full disk too).
 */
export async function writeFileAtomically(file: string, text: string, what: string, { replace = true } = {}): Promise<string> {
  const temporary = temporaryFile(file);
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
 * Then removes the temporary files that killed runs left in that folder, and returns their paths.
 */
export async function checkDestination(destination: ResultDestination): Promise<string[]> {
  if ('file' in destination) {
    const { file } = destination;
    const other = await notAFile(file);
    if (other === 'a folder') throw new UsageError(`--out ${file} is a folder; give a file name, or use --out-dir ${file}`);
    // Writing replaces the file: as root, --out /dev/null would replace the device itself.
    if (other) throw new UsageError(`--out ${file} is ${other}, not a file: the result would replace it whole; give the name of a file`);
  }
  const folder = 'file' in destination ? path.dirname(destination.file) : destination.folder;
  const probe = probeFile(folder);
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
  return removeLeftoverFiles(folder);
}

/** A result (or a bench or soak report) that fails its own schema: a bug in the lab; it is never written as a file of its kind. */
export class InvalidJsonError extends LabError {
  readonly problems: string[];
  constructor(what: string, problems: string[]) {
    super(`refusing to write an invalid ${what}: ${problems.join('; ')}`);
    this.name = 'InvalidJsonError';
    this.problems = problems;
  }
}

/** The text of a JSON file of `value` (a result, a bench or soak report) that has no `problems`; an InvalidJsonError naming them otherwise. */
export function validJsonText(value: unknown, problems: string[], what: string): string {
  if (problems.length > 0) throw new InvalidJsonError(what, problems);
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Validates the result and writes it to `destination`; returns the file written. */
export async function writeResult(result: Result, destination: ResultDestination = { folder: RESULTS_DIR }): Promise<string> {
  const text = validJsonText(result, resultProblems(result), 'result');
  return 'file' in destination
    ? await writeFileAtomically(destination.file, text, 'result')
    : await writeFileAtomically(path.join(destination.folder, resultFileName(result)), text, 'result', { replace: false });
}
