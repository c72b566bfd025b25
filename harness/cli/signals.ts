// How a command stops when it is told to: Ctrl-C (SIGINT), `kill` (SIGTERM), or a closed terminal
// or dropped SSH session (SIGHUP, which the terminal's process group gets). All three end the
// processes the command started and delete its network namespaces, and keep what had finished.
import { stopAll } from '../process/tracked.ts';
import { EXIT } from '../shared/errors.ts';

/** The signals that stop a command, each with the exit code it ends with (128 + its number). */
export const STOP_SIGNALS = { SIGHUP: EXIT.sighup, SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/** How long a command may wind down after a signal (stop its children, write what had finished) before it stops at once. */
export const WIND_DOWN_MS = 15_000;

/**
 * How long stopping may take before the command exits anyway: a child gets SIGKILL 2 s after its
 * SIGTERM, its pipes are closed 1 s after it exits, and what it left gets 2 s to end.
 */
const STOP_WITHIN_MS = 6000;

let exiting: Promise<void> | undefined;
/** Ends every process the command started, deletes its namespaces (stopAll), then exits with `code`, within STOP_WITHIN_MS; once. */
export function stopAndExit(code: number): void {
  exiting ??= Promise.race([stopAll(), new Promise<void>((resolve) => setTimeout(resolve, STOP_WITHIN_MS))]).finally(() => process.exit(code));
}

export interface Interruption {
  /** Aborted on the first stop signal, with that signal as its reason. */
  readonly signal: AbortSignal;
  /** The exit code of the first stop signal, once one came. */
  readonly exitCode: number | undefined;
}

export interface SignalHandlers {
  /** The first signal: begin stopping (abort the run, pass the signal on); the command then ends as it does. */
  windDown(signal: StopSignal): void;
  /**
   * A second signal, or a wind-down that took longer than WIND_DOWN_MS: stop at once. By default
   * stopAndExit with the first signal's code.
   */
  atOnce?(signal: StopSignal): void;
}

/** Makes SIGHUP, SIGINT and SIGTERM stop the command through `handlers`; call it once, at the start. */
export function onStopSignals(handlers: SignalHandlers): Interruption {
  const controller = new AbortController();
  let exitCode: number | undefined;
  const atOnce = (signal: StopSignal) => (handlers.atOnce ? handlers.atOnce(signal) : stopAndExit(exitCode!));
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    // `on`, not `once`: execa's exit hook (signal-exit) re-raises a signal when it is the only
    // listener left, which would end this process before its children are stopped.
    process.on(signal, () => {
      // A second Ctrl-C does not wait for the wind-down.
      if (exitCode !== undefined) return atOnce(signal);
      exitCode = STOP_SIGNALS[signal];
      controller.abort(signal);
      handlers.windDown(signal);
      setTimeout(() => atOnce(signal), WIND_DOWN_MS).unref();
    });
  }
  return {
    signal: controller.signal,
    get exitCode() {
      return exitCode;
    },
  };
}
