// Writes a result whole or not at all: validate, write a temporary file beside the target, flush
// it to disk, then rename it over the target (rename is atomic within one filesystem). Reads a
// result back only when it passes the same schema, with a one-line reason when it does not.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { LabError, UsageError } from './errors.ts';
import { resultProblems, SCHEMA_VERSION, type Result } from './result-schema.ts';

export const RESULTS_DIR = new URL('../results/', import.meta.url).pathname;

/** `2026-11-23T22-10-05-123Z-no-body-close.json`: sorts by time, says the scenario. */
export function resultFileName(result: Pick<Result, 'scenario' | 'startedAt'>): string {
  return `${result.startedAt.replaceAll(':', '-').replace('.', '-')}-${result.scenario}.json`;
}

/** Writes `text` to `file` whole or not at all; throws a LabError naming `what` it was. */
export async function writeFileAtomically(file: string, text: string, what: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new LabError(`could not write the ${what} to ${file}: ${(error as Error).message}`);
  }
}

export async function writeResult(result: Result, file = path.join(RESULTS_DIR, resultFileName(result))): Promise<string> {
  const problems = resultProblems(result);
  if (problems.length > 0) throw new LabError(`refusing to write an invalid result: ${problems.join('; ')}`);
  await writeFileAtomically(file, `${JSON.stringify(result, null, 2)}\n`, 'result');
  return file;
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
  if (version !== SCHEMA_VERSION) {
    const by =
      typeof version !== 'number' ? 'which is not a version number'
      : version > SCHEMA_VERSION ? 'written by a newer timewait-lab: update this one to read it'
      : 'written by an older timewait-lab: run the scenario again to compare with it';
    return `result schema version ${JSON.stringify(version)}, ${by} (this lab reads version ${SCHEMA_VERSION})`;
  }
  const problems = resultProblems(value);
  if (problems.length === 0) return null;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return `does not match result schema v${SCHEMA_VERSION}: ${problems[0]}${more}`;
}

function validated(file: string, value: unknown): Result {
  const problem = resultFileProblem(value);
  if (problem) throw new UsageError(`${file}: ${problem}`);
  return value as Result;
}

/** A result file, validated; a UsageError with one line naming the file and the reason otherwise. */
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
