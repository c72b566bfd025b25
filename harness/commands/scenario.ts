// `npm run scenario -- <name> [options]`: runs a scenario, prints the table on stderr, writes the
// result file. Exit 0 when the claims held, 1 when one did not, 2 on bad input, 3 when the lab failed
// (a variant that failed is in the result, marked failed), 129/130/143 when stopped by SIGHUP, SIGINT
// or SIGTERM (the result then holds the variants that had finished, marked interrupted; none is
// written if none had).
import path from 'node:path';
import { Option } from 'commander';
import { loadAllScenarios, loadScenario } from '../scenario/catalog.ts';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { addNetworkOptions, type NetworkCliOptions } from '../cli/network-options.ts';
import { addLoadOptions } from '../cli/run-options.ts';
import { pathArgument } from '../cli/path-arguments.ts';
import { onStopSignals, stopAndExit } from '../cli/signals.ts';
import { EXIT, LabError } from '../shared/errors.ts';
import { missingRequirements } from '../run/machine-check.ts';
import { formatScenarioList } from '../output/scenario-list.ts';
import type { InvalidJsonError, ResultDestination } from '../result/file.ts';
import type { Result } from '../result/schema.ts';
import type { SettingOverrides } from '../run/settings.ts';
import type { Scenario } from '../scenario/contract.ts';

interface CliOptions extends NetworkCliOptions, SettingOverrides {
  out?: string;
  outDir?: string;
  json?: boolean;
  list?: boolean;
  explain?: boolean;
  story: boolean;
  quiet?: boolean;
  report?: boolean;
}

const program = addLoadOptions(
  labCommand('scenario')
    .description('Run a misconfigured HTTP client and its fix against a local server; sample TCP states; write a result file.')
    .argument('[name]', 'scenario to run (see --list)'),
)
  .option('--out <file>', 'where to write the result JSON; a file already there is replaced (default: a new file in --out-dir)', pathArgument('a file name'))
  .addOption(new Option('--out-dir <folder>', 'folder for a new result file <time>-<scenario>.json; never replaces one (default: results/)').argParser(pathArgument('a folder')).conflicts('out'))
  .option('--json', 'print the result JSON on stdout, and nothing else there (also when the file cannot be written)')
  .option('--list', 'list the scenarios and exit')
  .option('--explain', "print the scenario's story and its client code (misconfigured next to the fix), then exit")
  .option('--no-story', 'skip the story and the client code before the run')
  .option('--quiet', 'print only the final table: no story, no progress')
  .option('--report', 'also write the HTML report next to the result file')
  .addHelpText(
    'after',
    '\nUnder a rate (--rate, or a scenario that declares one) each variant\'s summary adds rate.askedPerSec, rate.achievedPerSec\n' +
      '(requests started per second), rate.dropped (not started: the cap was reached at their time), rate.peakInFlight and\n' +
      'serviceTimeMs (from the actual send); latencyMs then runs from each request\'s scheduled start (docs/load.md).\n' +
      '\nExit status: 0 claims held, 1 a claim did not hold, 2 bad input (a place the result cannot be written included, checked before the run),\n' +
      '3 the lab failed (a failed variant is marked so in the result; or the disk refused the result),\n' +
      '129/130/143 stopped by SIGHUP (terminal closed), SIGINT (Ctrl-C) or SIGTERM: the result, marked interrupted, holds the variants that had finished.',
  );
addNetworkOptions(program);

// What only some invocations use is imported where it is used (`--list` loads the catalogue and
// little else: npm run bench measures the CLI's start).
const explanation = async (scenario: Scenario) => {
  const [{ formatExplanation }, { terminalColumns }] = await Promise.all([import('../output/explain.ts'), import('../output/terminal-text.ts')]);
  return formatExplanation(scenario, { columns: terminalColumns(), color: Boolean(process.stderr.isTTY) });
};

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const options = program.opts<CliOptions>();
  const [name] = program.args;
  if (options.list || name === undefined) {
    const scenarios = await loadAllScenarios();
    console.error(`Scenarios (run one with: npm run scenario -- <name>):\n${formatScenarioList(scenarios, await missingRequirements(scenarios))}`);
    return EXIT.ok;
  }
  const scenario = await loadScenario(name);
  if (options.explain) {
    console.error(await explanation(scenario));
    return EXIT.ok;
  }
  return run(scenario, options);
}

async function run(scenario: Scenario, options: CliOptions): Promise<number> {
  const [{ checkMachine }, { prepareRun }, { describeNetwork }, { filesExhausted }, { checkDestination, InvalidJsonError, RESULTS_DIR, writeResult }] =
    await Promise.all([
      import('../run/machine-check.ts'),
      import('../cli/prepare-run.ts'),
      import('../cli/network-options.ts'),
      import('../run/open-files.ts'),
      import('../result/file.ts'),
    ]);
  await checkMachine();
  const { settings, topology } = await prepareRun(scenario, options);
  // After the options are checked, before anything starts.
  const destination: ResultDestination = options.out ? { file: path.resolve(options.out) } : { folder: path.resolve(options.outDir ?? RESULTS_DIR) };
  const leftovers = await checkDestination(destination);
  const [{ outputMode, progressOutput }, { runScenario }, { formatReport, formatSettings }, { npmBannerNote }, { printable, printableDeep }] = await Promise.all([
    import('../output/progress.ts'),
    import('../run/run-scenario.ts'),
    import('../output/result-table.ts'),
    import('../cli/npm-banner.ts'),
    import('../shared/printable.ts'),
  ]);
  const mode = outputMode(Boolean(options.quiet));
  const banner = options.json && !process.stdout.isTTY ? npmBannerNote('scenario') : null;
  if (banner) console.error(banner);
  if (mode !== 'quiet' && options.story) console.error(`${await explanation(scenario)}\n`);
  if (mode !== 'quiet') console.error(formatSettings(scenario, settings));
  if (mode !== 'quiet') for (const line of describeNetwork(topology, scenario, settings.server, options.sysctl)) console.error(line);
  if (mode !== 'quiet' && leftovers.length > 0) console.error(`removed ${leftovers.length} temporary files left by killed runs: ${leftovers.join(', ')}`);
  const progress = progressOutput(mode, settings.load);
  closeProgress = progress.close;
  const result = await runScenario(scenario, settings, progress.onEvent, topology, interruption.signal).finally(progress.close);
  if (result.status === 'interrupted' && result.variants.length === 0) {
    console.error('scenario: no result written: no variant had finished');
    return interruption.exitCode!;
  }
  // A result that cannot be written (a full disk) still shows its table and, with --json, its JSON;
  // then one line says why the file is missing (exit 3, or 129/130/143 when interrupted).
  const written = await writeResult(result, destination).then((file) => ({ file }), (error: unknown) => ({ file: null, error }));
  // The result quotes what came from outside the lab (a client's stderr, its error codes, a control endpoint's answers).
  console.error(formatReport(printableDeep(result), written.file, Boolean(process.stderr.isTTY)));
  if (options.json) console.log(JSON.stringify(result, null, 2));
  if ('error' in written) throw written.error instanceof InvalidJsonError ? await keptInBugReport(written.error, result) : written.error;
  if (options.report) {
    const { writeReport } = await import('../output/report-file.ts');
    console.error(`Report written to ${path.relative(process.cwd(), await writeReport([written.file]))}`);
  }
  if (result.status === 'interrupted') return interruption.exitCode!;
  const failed = result.variants.find((v) => v.failure);
  if (failed) {
    console.error(printable(`scenario: variant ${failed.name} failed: ${failed.failure!.message}; the result marks it failed, with what was measured until then`));
    return EXIT.labFailure;
  }
  // Requests that failed for want of a file measure the limit, not the scenario: the lab failed.
  const outOfFiles = filesExhausted(result.variants);
  if (outOfFiles) {
    console.error(`scenario: ${outOfFiles}`);
    return EXIT.labFailure;
  }
  return result.claims.every((c) => c.held) ? EXIT.ok : EXIT.claimFailed;
}

/** A result that fails its own schema is a bug in the lab: what it measured goes to the bug report rather than being lost. */
async function keptInBugReport(error: InvalidJsonError, result: Result): Promise<LabError> {
  const { writeBugReport } = await import('../shared/bug-report.ts');
  const file = writeBugReport('scenario', error, { what: 'the result, which failed its own schema', text: JSON.stringify(result, null, 2) });
  return new LabError(`${error.message}; this is a bug in the lab, please report it; ${file ? `the result and its problems are in ${file}` : 'and it could not be saved to a file'}`);
}

let closeProgress = () => {};
const interruption = onStopSignals({
  windDown(signal) {
    // The live view stops drawing first: stopping takes a moment, and a redraw would cover the message.
    closeProgress();
    console.error(`\nscenario: interrupted by ${signal}; stopping the variant that runs (Ctrl-C again: at once)`);
  },
});

const code = await exitCodeOf('scenario', () => main(process.argv.slice(2)));
stopAndExit(interruption.exitCode ?? code);
