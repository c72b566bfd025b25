// What the commands that run variants (npm run scenario, npm run measure) share at either end of a
// run: the check that the result can be written where the options say, and the end: the result
// written whole or not at all, its table, JSON and report, and the exit code of a run that did not
// end well. Loaded once a run is about to start (the options themselves: output-options.ts).
import path from 'node:path';
import { npmBannerNote } from './npm-banner.ts';
import { printJson } from './command.ts';
import type { OutputCliOptions } from './output-options.ts';
import { filesExhausted } from '../run/open-files.ts';
import { writeBugReport } from '../shared/bug-report.ts';
import { EXIT, LabError } from '../shared/errors.ts';
import { printable, printableDeep } from '../shared/printable.ts';
import { formatReport, isMeasurement } from '../output/result-table.ts';
import { drawingFailure } from '../output/drawing-failure.ts';
import { checkDestination, InvalidJsonError, RESULTS_DIR, writeResult, type ResultDestination } from '../result/file.ts';
import type { Result } from '../result/schema.ts';

/**
 * Where the result goes, checked before the run: nobody waits through a run whose result would be
 * lost. `leftovers`: the temporary files of killed runs the check removed there.
 */
export async function resultDestination(options: OutputCliOptions): Promise<{ destination: ResultDestination; leftovers: string[] }> {
  const destination: ResultDestination = options.out ? { file: path.resolve(options.out) } : { folder: path.resolve(options.outDir ?? RESULTS_DIR) };
  return { destination, leftovers: await checkDestination(destination) };
}

/**
 * The lines to print before the run: with --json through `npm run` without -s, how to keep npm's
 * banner out of stdout; the temporary files of killed runs that were removed.
 */
export function beforeRunLines(command: string, options: OutputCliOptions, leftovers: string[], quiet: boolean): string[] {
  const banner = options.json && !process.stdout.isTTY ? npmBannerNote(command) : null;
  return [
    ...(banner ? [banner] : []),
    ...(!quiet && leftovers.length > 0 ? [`removed ${leftovers.length} temporary files left by killed runs: ${leftovers.join(', ')}`] : []),
  ];
}

/** After the result is written: one line, and exit 3, when the live view stopped because its drawing failed; null when it did not. */
export function liveViewFailure(command: string, failure: string | null | undefined): number | null {
  if (!failure) return null;
  console.error(`${command}: the live view could not be drawn (${failure}) and stopped; the run went on, and its result is written`);
  return EXIT.labFailure;
}

/** A result that fails its own schema is a bug in the lab: what it measured goes to the bug report rather than being lost. */
function keptInBugReport(command: string, error: InvalidJsonError, result: Result): LabError {
  const file = writeBugReport(command, error, { what: 'the result, which failed its own schema', text: JSON.stringify(result, null, 2) });
  return new LabError(`${error.message}; this is a bug in the lab, please report it; ${file ? `the result and its problems are in ${file}` : 'and it could not be saved to a file'}`);
}

/**
 * Writes the result and prints its table on stderr (with --json its JSON on stdout, with --report
 * the report). Returns the exit code of a run that did not end well (interrupted: `interrupted`; a
 * variant failed, or ran out of files: 3), or null when its claims decide.
 */
export async function finishRun(command: string, result: Result, destination: ResultDestination, options: OutputCliOptions, interrupted?: number): Promise<number | null> {
  if (result.status === 'interrupted' && result.variants.length === 0) {
    console.error(`${command}: no result written: no variant had finished`);
    return interrupted!;
  }
  // A result that cannot be written (a full disk) still shows its table and, with --json, its JSON;
  // then one line says why the file is missing (exit 3, or 129/130/143 when interrupted).
  const written = await writeResult(result, destination).then((file) => ({ file }), (error: unknown) => ({ file: null, error }));
  // The result quotes what came from outside the lab (a client's stderr, its error codes, a control endpoint's answers).
  // Drawn after it is written: a table that cannot be drawn costs no result.
  const drawn = drawingFailure(() => console.error(formatReport(printableDeep(result), written.file, Boolean(process.stderr.isTTY))));
  if (drawn) console.error(`${command}: the table could not be drawn (${drawn})${written.file ? `; the result is written: ${written.file}` : ''}`);
  if (options.json) await printJson(result);
  if ('error' in written) throw written.error instanceof InvalidJsonError ? keptInBugReport(command, written.error, result) : written.error;
  if (options.report) {
    // Loaded only when asked for: the report brings the catalogue and the charting library.
    const { writeReport } = await import('../output/report-file.ts');
    console.error(`Report written to ${path.relative(process.cwd(), await writeReport([written.file]))}`);
  }
  if (result.status === 'interrupted') return interrupted!;
  if (drawn) return EXIT.labFailure;
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
  return null;
}
