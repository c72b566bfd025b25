// What made a trial fail, as the result records it: whatever was thrown while a variant was set up,
// ran or was measured becomes one VariantFailure with a reason and one line, never an exception that
// ends the run (the next variant still runs, and the result is written).
import { bugMessage, errorLine } from '../shared/bug-report.ts';
import { LabError, MeasurementError, VariantFailure } from '../shared/errors.ts';

/**
 * The failure `error` stands for: a VariantFailure as it is; a figure that could not be read
 * (measurement-failed); a step of the lab that failed and said why (lab-failed); anything else is a
 * bug, whose details go to a file that the message names (lab-failed).
 */
export function asFailure(error: unknown, variant: string): VariantFailure {
  if (error instanceof VariantFailure) return error;
  if (error instanceof MeasurementError) return new VariantFailure('measurement-failed', error.message);
  if (error instanceof LabError) return new VariantFailure('lab-failed', error.message);
  return new VariantFailure('lab-failed', bugMessage(`variant "${variant}"`, error).message);
}

/**
 * A read of the kernel's figures that failed: the file or the tool gave an error (a namespace that
 * is gone, `ss` that failed: measurement-failed), or the lab has a bug (asFailure).
 */
export function readFailure(error: unknown, what: string, variant: string): VariantFailure {
  // An errno (ENOENT), or the exit of a program that was run (ss, ip): not a bug of the lab.
  const { code, exitCode } = (error ?? {}) as { code?: unknown; exitCode?: unknown };
  const system = typeof code === 'string' || typeof code === 'number' || typeof exitCode === 'number';
  if (error instanceof MeasurementError || system) return new VariantFailure('measurement-failed', `${what}: ${errorLine(error).replace(/^(Error|MeasurementError): /, '')}`);
  return asFailure(error, variant);
}
