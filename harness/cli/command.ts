// What every command shares on its command line: commander set up the lab's way, and the end of a
// command (what it threw, as one line and an exit code).
import { Command, CommanderError } from 'commander';
import { EXIT, LabError } from '../shared/errors.ts';

/**
 * The commander program of `npm run <name>`: its usage line names the npm script; a usage error is
 * one line `<name>: ...` (commander's own "error: " replaced) and ends in exitCodeOf, exit 2.
 */
export function labCommand(name: string): Command {
  return new Command(`npm run ${name} --`)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, `${name}: `)) });
}

/**
 * Runs a command's `main` and turns what it threw into the command's exit code, with one line on
 * stderr prefixed by the command's name (commander has already printed its own usage errors).
 */
export async function exitCodeOf(command: string, main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof LabError) {
      console.error(`${command}: ${error.message}`);
      return error.exitCode;
    }
    console.error(`${command}: the lab failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.labFailure;
  }
}
