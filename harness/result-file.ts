// Writes a result whole or not at all: validate, write a temporary file beside the target, flush
// it to disk, then rename it over the target (rename is atomic within one filesystem).
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { LabError } from './errors.ts';
import { resultProblems, type Result } from './result-schema.ts';

export const RESULTS_DIR = new URL('../results/', import.meta.url).pathname;

/** `2026-11-23T22-10-05-123Z-no-body-close.json`: sorts by time, says the scenario. */
export function resultFileName(result: Pick<Result, 'scenario' | 'startedAt'>): string {
  return `${result.startedAt.replaceAll(':', '-').replace('.', '-')}-${result.scenario}.json`;
}

export async function writeResult(result: Result, file = path.join(RESULTS_DIR, resultFileName(result))): Promise<string> {
  const problems = resultProblems(result);
  if (problems.length > 0) throw new LabError(`refusing to write an invalid result: ${problems.join('; ')}`);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(`${JSON.stringify(result, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new LabError(`could not write the result to ${file}: ${(error as Error).message}`);
  }
  return file;
}
