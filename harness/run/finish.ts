// The one way out of a run. From what the run produced: the result written whole or not at all
// (result/file.ts), its table on stderr, its JSON on stdout (--json) and its report (--report), the
// bug report where the result fails its own schema, and the exit code that the interruption, the
// failures and the claims call for.
import path from 'node:path';
import type { RunPlan } from './plan.ts';
import { printJson } from '../output/print-json.ts';
import { formatReport, isMeasurement } from '../output/result-table.ts';
import { resultKeptInBugReport } from '../shared/bug-report.ts';
import { EXIT } from '../shared/errors.ts';
import { printable, printableDeep } from '../shared/printable.ts';
import { drawingFailure } from '../output/drawing-failure.ts';
import { InvalidJsonError, writeResult } from '../result/file.ts';
import type { Result } from '../result/schema.ts';
import { filesExhausted } from '../result/verdict.ts';

export interface FinishOptions {
  json?: boolean | undefined;
  report?: boolean | undefined;
  /** The exit code of the signal that interrupted the run (129, 130, 143), if one did. */
  interrupted?: number | undefined;
  /** Why the live view stopped drawing during the run (it failed), if it did: told after the result is written, exit 3. */
  liveViewFailure?: string | null | undefined;
  /** Lines that say which claims did not hold, in the command's words (measure's --expect); printed after the table. */
  claimsMissed?: (result: Result) => string[];
}

/**
 * Writes the result where the plan says and prints its table on stderr (with --json its JSON on
 * stdout, with --report the report). Resolves with the exit code: interrupted, the signal's; a
 * variant failed, or ran out of files, 3; a claim did not hold, 1; else 0.
 */
export async function finishRun(command: string, result: Result, { destination }: Pick<RunPlan, 'destination'>, options: FinishOptions): Promise<number> {
  const { interrupted } = options;
  if (result.status === 'interrupted' && result.variants.length === 0) {
    console.error(`${command}: no result written: no variant had finished`);
    return interrupted!;
  }
  if (!destination) throw new Error(`${command}: a run that writes no result file has nothing to finish`);
  // A result that cannot be written (a full disk) still shows its table and, with --json, its JSON;
  // then one line says why the file is missing (exit 3, or 129/130/143 when interrupted).
  const written = await writeResult(result, destination).then((file) => ({ file }), (error: unknown) => ({ file: null, error }));
  // The result quotes what came from outside the lab (a client's stderr, its error codes, a control endpoint's answers).
  // Drawn after it is written: a table that cannot be drawn costs no result.
  const drawn = drawingFailure(() => console.error(formatReport(printableDeep(result), written.file, Boolean(process.stderr.isTTY))));
  if (drawn) console.error(`${command}: the table could not be drawn (${drawn})${written.file ? `; the result is written: ${written.file}` : ''}`);
  if (options.json) await printJson(result);
  if ('error' in written) throw written.error instanceof InvalidJsonError ? resultKeptInBugReport(command, written.error, result) : written.error;
  if (options.report) {
    // Loaded only when asked for: the report brings the catalogue and the charting library.
    const { writeReport } = await import('../output/html/report-file.ts');
    console.error(`Report written to ${path.relative(process.cwd(), await writeReport([written.file]))}`);
  }
  if (result.status === 'interrupted') return interrupted!;
  if (options.liveViewFailure) console.error(`${command}: the live view could not be drawn (${options.liveViewFailure}) and stopped; the run went on, and its result is written`);
  if (drawn || options.liveViewFailure) return EXIT.labFailure;
  const failed = result.variants.find((v) => v.failure);
  if (failed) {
    const what = isMeasurement(result) ? 'client' : 'variant';
    console.error(printable(`${command}: ${what} ${failed.name} failed: ${failed.failure!.message}; the result marks it failed, with what was measured until then`));
    return EXIT.labFailure;
  }
  // Requests that failed for want of a file measure the limit, not the scenario: the lab failed.
  const outOfFiles = filesExhausted(result.variants);
  if (outOfFiles) {
    console.error(`${command}: ${outOfFiles}`);
    return EXIT.labFailure;
  }
  for (const line of options.claimsMissed?.(result) ?? []) console.error(line);
  return result.claims.every((c) => c.held) ? EXIT.ok : EXIT.claimFailed;
}
