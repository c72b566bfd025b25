// What every command shares on its command line: commander set up the lab's way, and the end of a
// command (what it threw, as one line and an exit code).
import { Command, CommanderError } from 'commander';
import { bugMessage } from '../shared/bug-report.ts';
import { EXIT, LabError } from '../shared/errors.ts';
import { printable } from '../shared/printable.ts';

/**
 * The commander program of `npm run <name>`: its usage line names the npm script; a usage error is
 * one line `<name>: ...` (commander's own "error: " replaced; the argument it quotes printable) and
 * ends in exitCodeOf, exit 2.
 */
export function labCommand(name: string): Command {
  const lines = (text: string) => text.split('\n').map(printable).join('\n');
  return new Command(`npm run ${name} --`)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(lines(text).replace(/^error: /, `${name}: `)) });
}

/**
 * Runs a command's `main` and turns what it threw into the command's exit code, with one line on
 * stderr prefixed by the command's name (commander has already printed its own usage errors). The
 * line may quote what came from outside (a file name, a file's contents): it is printed without its
 * control characters. An error the lab did not foresee is a bug: the line names the file that holds
 * its stack.
 */
export async function exitCodeOf(command: string, main: () => Promise<number>): Promise<number> {
  // A stderr that cannot be written (a full disk, /dev/full, a closed pipe) has nobody left to tell:
  // what is drawn there is lost, never the run or its result (Node emits the failed write as 'error').
  process.stderr.on('error', () => {});
  try {
    return await main();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof LabError) {
      console.error(printable(`${command}: ${error.message}`));
      return error.exitCode;
    }
    reportBug(command, error);
    return EXIT.labFailure;
  }
}

/** One line for an error the lab did not foresee, naming the file its details went to (its stack here only if that file cannot be written). */
function reportBug(command: string, error: unknown): void {
  const { message, file } = bugMessage(command, error);
  console.error(printable(`${command}: ${message}`));
  if (!file) console.error((error as Error)?.stack ?? String(error));
}
