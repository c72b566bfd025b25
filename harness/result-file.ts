// Writes a result whole or not at all: validate, write a temporary file beside the target, flush
// it to disk, then rename it over the target (rename is atomic within one filesystem). Reads one
// back, validated against the same schema.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { LabError, UsageError } from './errors.ts';
import { resultProblems, type Result } from './result-schema.ts';

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

/** A result file, validated: a missing, unreadable or invalid file is a UsageError naming it. */
export async function readResult(file: string): Promise<Result> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON; expected a result file written by npm run scenario`);
  }
  const problems = resultProblems(value);
  if (problems.length > 0) throw new UsageError(`${file} is not a valid result file: ${problems.slice(0, 3).join('; ')}`);
  return value as Result;
}
