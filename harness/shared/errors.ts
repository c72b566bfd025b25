// Errors the lab reports to its user as one line, each with the exit code it ends the run with.

/**
 * Exit codes: 0 claims held, 1 a claim did not hold (compare: a threshold crossed), 2 bad input, 3 the
 * lab itself failed; stopped by a signal, 128 + its number as a shell reports it (SIGHUP 1, SIGINT 2, SIGTERM 15).
 */
export const EXIT = { ok: 0, claimFailed: 1, thresholdCrossed: 1, usage: 2, labFailure: 3, sighup: 129, sigint: 130, sigterm: 143 } as const;

export class LabError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.labFailure) {
    super(message);
    this.name = 'LabError';
    this.exitCode = exitCode;
  }
}

/** Bad input from the user: exit 2. */
export class UsageError extends LabError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/**
 * Why a variant stopped before its client finished: its server or client ended, it ran over its time
 * limit, the lab could not read a figure it measures by (measurement-failed: a namespace agent
 * that ended, a control endpoint that did not answer or answered nonsense), or the lab failed
 * (lab-failed: the variant could not be set up, or a bug, whose details go to a file).
 */
export type FailureReason = 'server-exited' | 'client-exited' | 'time-limit' | 'measurement-failed' | 'lab-failed' | 'interrupted';

/**
 * A figure the lab measures by could not be read: its source (a control endpoint, a namespace's
 * files) did not answer in time, answered what is not such a figure, or is gone. A variant that
 * meets one fails with this message (measurement-failed) and keeps what was read until then.
 */
export class MeasurementError extends LabError {
  constructor(message: string) {
    super(message);
    this.name = 'MeasurementError';
  }
}

/**
 * A variant that could not run to its end. The run records it (a failed variant with what was
 * measured until then) and goes on with the next one, except when it was interrupted.
 */
export class VariantFailure extends LabError {
  readonly reason: FailureReason;
  /** What a client that exited left to go by: its exit code, its last lines on stderr (a measured client's). */
  readonly details: { exitCode?: number; stderrTail?: string[] };
  constructor(reason: FailureReason, message: string, details: VariantFailure['details'] = {}) {
    super(message);
    this.name = 'VariantFailure';
    this.reason = reason;
    this.details = details;
  }
}
