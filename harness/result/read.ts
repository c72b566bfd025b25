// Reads results back: a file only when it passes the schema of its version (an older one is brought
// up to the current one), with a one-line reason naming the file when it does not; a folder's
// results with every file it skips named, and why. What is read is input from outside the lab:
// a file may be truncated, crafted, a link, a pipe, or the same run twice.
import { isDeepStrictEqual } from 'node:util';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../shared/errors.ts';
import { kindOf } from './file.ts';
import { isReadableVersion, problemsOf, READABLE_VERSIONS, toCurrent } from './migrate.ts';
import { MAX_VARIANTS, SCHEMA_VERSION, type Result } from './schema.ts';
import type { ResultV1 } from './schema-v1.ts';

/**
 * What one command reads at most: a result the lab writes holds a few variants (a measurement at
 * most MAX_VARIANTS clients) of at most 3,000 samples each (about 1.5 MB a variant with its trials),
 * so these leave room for any real result and refuse a crafted one (100,000 variants, 528 MB) in
 * one line, before it is read.
 */
export const READ_LIMITS = {
  /** Bytes of one result file. */
  fileBytes: 32 * 1024 * 1024,
  /** Variants in one result. */
  variants: MAX_VARIANTS,
  /** Result files one command reads (the files given, or a folder's `*.json`). */
  files: 1000,
  /** Bytes of all of them together. */
  totalBytes: 256 * 1024 * 1024,
} as const;

const MB = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;

/** Refuses, in one line, more files or bytes than one command reads (READ_LIMITS), before any is read; a file that cannot be read is left to its reader to name. */
export async function checkReadBudget(files: string[], where: string): Promise<void> {
  if (files.length > READ_LIMITS.files) {
    throw new UsageError(`${where}: ${files.length} result files, more than the ${READ_LIMITS.files} one command reads; give fewer (a folder per scenario)`);
  }
  const sizes = await Promise.all(files.map(async (file) => (await stat(file).catch(() => null))?.size ?? 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > READ_LIMITS.totalBytes) {
    throw new UsageError(`${where}: ${MB(total)} of result files, more than the ${MB(READ_LIMITS.totalBytes)} one command reads; give fewer`);
  }
}

export interface ResultFile {
  file: string;
  result: Result;
}

/** The regular file behind `file` (a link followed), as `dev:ino`: the same for two names of one file. */
async function identityOf(file: string): Promise<string> {
  const found = await stat(file).catch(async (error: NodeJS.ErrnoException) => {
    const why = error.code !== 'ENOENT' ? `cannot be read (${error.code ?? error.message})` : (await isLink(file)) ? 'a link to nothing (broken)' : 'no such file';
    throw new UsageError(`${file}: ${why}`);
  });
  // A named pipe would be waited on for ever; a folder or a device is no result.
  if (!found.isFile()) throw new UsageError(`${file}: ${(await isLink(file)) ? `a link to ${kindOf(found)}` : kindOf(found)}, not a result file`);
  if (found.size > READ_LIMITS.fileBytes) {
    throw new UsageError(`${file}: ${MB(found.size)}, larger than the ${MB(READ_LIMITS.fileBytes)} a result file can be (${READ_LIMITS.variants} variants of 3,000 samples fit in it); not read`);
  }
  return `${found.dev}:${found.ino}`;
}

const isLink = async (file: string) => (await lstat(file).catch(() => null))?.isSymbolicLink() ?? false;

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

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

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

/** Why a JSON object is another kind of file than a scenario result (the benchmark's or the soak's report), or null. */
function notAScenarioResult(value: unknown): string | null {
  if (!isObject(value) || ('scenario' in value && 'variants' in value)) return null;
  return typeof value.kind === 'string' ? `not a scenario result (a ${JSON.stringify(value.kind).slice(0, 40)} file)` : 'not a scenario result (it has no scenario and variants)';
}

function validated(file: string, value: unknown): Result {
  // Counted before the schema is checked: checking 100,000 variants is what takes minutes.
  const variants = isObject(value) && Array.isArray(value.variants) ? value.variants.length : 0;
  if (variants > READ_LIMITS.variants) throw new UsageError(`${file}: ${variants} variants, more than the ${READ_LIMITS.variants} a result holds; not read`);
  const problem = resultFileProblem(value);
  if (problem) throw new UsageError(`${file}: ${problem}`);
  return toCurrent(value as ResultV1 | Result);
}

/** A result file of any version this lab reads, validated and in the current version; a UsageError with one line naming the file and the reason otherwise. */
export async function readResult(file: string): Promise<Result> {
  await identityOf(file);
  return validated(file, await readJson(file));
}

/** Results read so far, to tell a second name of one file, or a copy of one run, from a result of its own. */
export class ReadResults {
  readonly files: ResultFile[] = [];
  readonly #byIdentity = new Map<string, string>();

  /** Reads `file`: its result, or a UsageError naming it and why it is not one (or the same as one read before). */
  async add(file: string): Promise<ResultFile> {
    const identity = await identityOf(file);
    const same = this.#byIdentity.get(identity);
    if (same !== undefined) throw new UsageError(`${file}: the same file as ${same}`);
    const value = await readJson(file);
    const other = notAScenarioResult(value);
    if (other) throw new UsageError(`${file}: ${other}`);
    const result = validated(file, value);
    const copy = this.files.find((f) => f.result.startedAt === result.startedAt && isDeepStrictEqual(f.result, result));
    if (copy) throw new UsageError(`${file}: the same run as ${copy.file} (the same result, copied)`);
    this.#byIdentity.set(identity, file);
    const read = { file, result };
    this.files.push(read);
    return read;
  }
}

/** A file a folder holds that is left out of the comparison, and why. */
export interface SkippedFile {
  file: string;
  why: string;
}

/**
 * Every result in a folder (not its subfolders): each `*.json`, a link followed to a regular file.
 * Anything else named `*.json` (a folder, a pipe, a broken link), a file that is not JSON (a
 * truncated one) or not a scenario result (the benchmark's), a result that fails its schema, and a
 * second name or a copy of a result already read, is skipped and named with the reason.
 */
export async function readResultFolder(dir: string): Promise<{ results: ResultFile[]; skipped: SkippedFile[] }> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort().map((name) => path.join(dir, name));
  await checkReadBudget(files, dir);
  const read = new ReadResults();
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    try {
      await read.add(file);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      // The reason without the file's name, which the caller puts first.
      skipped.push({ file, why: error.message.startsWith(`${file}: `) ? error.message.slice(file.length + 2) : error.message });
    }
  }
  return { results: read.files, skipped };
}
