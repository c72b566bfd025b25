// `npm run report -- results/X.json [Y.json ...]`: writes one self-contained HTML report of the
// given result files next to them and prints its path on stdout. Exit 0, 2 on bad input, 3 when
// the lab failed.
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { pathArgument, pathArguments } from '../cli/path-arguments.ts';
import { EXIT } from '../shared/errors.ts';
import { printable } from '../shared/printable.ts';
import { writeReport } from '../output/html/report-file.ts';

const program = labCommand('report')
  .description('Write one self-contained HTML report (opens offline) of one or more result files, or of one observation, next to them.')
  .argument('<result.json...>', 'result files written by npm run scenario; several of one scenario are overlaid as runs; or one observation file of npm run observe', pathArguments('a result file'))
  .option('--out <file>', 'where to write the report (default: X.html beside X.json; for several files report-<time>-<n>-runs.html beside the first)', pathArgument('a file name'))
  .addHelpText('after', '\nExit status: 0 written, 2 bad input (a missing or invalid result file), 3 the lab failed.');

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  // The path is the user's, or made of a file's name: printed without control characters.
  console.log(printable(await writeReport(program.args, program.opts<{ out?: string }>().out)));
  return EXIT.ok;
}

process.exit(await exitCodeOf('report', () => main(process.argv.slice(2))));
