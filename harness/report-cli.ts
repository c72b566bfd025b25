// `npm run report -- results/X.json [Y.json ...]`: writes one self-contained HTML report of the
// given result files next to them and prints its path on stdout. Exit 0, 2 on bad input, 3 when
// the lab failed.
import { Command, CommanderError } from 'commander';
import { EXIT, LabError } from './errors.ts';
import { writeReport } from './report-file.ts';

const program = new Command('npm run report --')
  .description('Write one self-contained HTML report (opens offline) of one or more result files, next to them.')
  .argument('<result.json...>', 'result files written by npm run scenario; several of one scenario are overlaid as runs')
  .option('--out <file>', 'where to write the report (default: X.html beside X.json; for several files report-<time>-<n>-runs.html beside the first)')
  .addHelpText('after', '\nExit status: 0 written, 2 bad input (a missing or invalid result file), 3 the lab failed.')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'report: ')) });

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  console.log(await writeReport(program.args, program.opts<{ out?: string }>().out));
  return EXIT.ok;
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CommanderError) {
    code = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof LabError) {
    console.error(`report: ${error.message}`);
    code = error.exitCode;
  } else {
    console.error(`report: failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`);
    code = EXIT.labFailure;
  }
}
process.exit(code);
