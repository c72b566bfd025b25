// The options of the commands that run variants (npm run scenario, npm run measure) that say where
// the result goes and what is printed, and how such a command stops on a signal. Light to load: a
// command's --help and --list need no more.
import { Option, type Command } from 'commander';
import { pathArgument } from './path-arguments.ts';
import { onStopSignals } from './signals.ts';
import type { ProgressOutput } from '../output/progress.ts';

export interface OutputCliOptions {
  out?: string;
  outDir?: string;
  json?: boolean;
  quiet?: boolean;
  report?: boolean;
}

/**
 * Ctrl-C, SIGTERM and SIGHUP for a command that runs variants (onStopSignals): its live view stops
 * drawing first, then one line says that the `running` one (variant, client) stops. `showing`
 * names the live view it stops.
 */
export function stopOnSignals(command: string, running: string) {
  let closeProgress = () => {};
  const interruption = onStopSignals({
    windDown(signal) {
      // The live view stops drawing first: stopping takes a moment, and a redraw would cover the message.
      closeProgress();
      console.error(`\n${command}: interrupted by ${signal}; stopping the ${running} that runs (Ctrl-C again: at once)`);
    },
  });
  return {
    interruption,
    /** The live view (or plain progress) that the first signal stops drawing. */
    showing<T extends Pick<ProgressOutput, 'close'>>(output: T): T {
      closeProgress = output.close;
      return output;
    },
  };
}

/** `fileName`: the name of a new result file in --out-dir, as the help shows it. */
export function addOutputOptions(program: Command, fileName: string): Command {
  return program
    .option('--out <file>', 'where to write the result JSON; a file already there is replaced (default: a new file in --out-dir)', pathArgument('a file name'))
    .addOption(
      new Option('--out-dir <folder>', `folder for a new result file ${fileName}; never replaces one (default: results/)`).argParser(pathArgument('a folder')).conflicts('out'),
    )
    .option('--json', 'print the result JSON on stdout, and nothing else there (also when the file cannot be written)')
    .option('--quiet', 'print only the final table: no story, no progress')
    .option('--report', 'also write the HTML report next to the result file');
}
