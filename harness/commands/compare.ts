// `npm run compare -- A.json B.json [...]` or `npm run compare -- results/`: how each key figure
// moved between results of one scenario, whether the trials make the move significant, and what
// differs in the environment. Exit 0, 1 when a --fail-if threshold is crossed, 2 on bad input.
import { stat } from 'node:fs/promises';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { npmBannerNote } from '../output/npm-banner.ts';
import { pathArguments } from '../cli/path-arguments.ts';
import { compareResults, groupByScenario, type ScenarioComparison } from '../compare/compare.ts';
import { EXIT, UsageError } from '../shared/errors.ts';
import { formatComparison, formatThresholdChecks } from '../output/compare-table.ts';
import { terminalColumns } from '../output/terminal-text.ts';
import { checkReadBudget, ReadResults, readResultFolder, type ResultFile } from '../result/read.ts';
import { printable, printableDeep } from '../shared/printable.ts';
import { checkThresholds, parseThreshold, THRESHOLD_SYNTAX, type Threshold } from '../compare/thresholds.ts';

const program = labCommand('compare')
  .description('Compare result files of a scenario: each key figure side by side, its change, whether it is beyond the noise.')
  .argument('<paths...>', 'two or more result files of one scenario (put in order by their start time), or one folder of results', pathArguments('a result file or folder'))
  .option('--json', 'print the comparison as JSON on stdout')
  .option('--fail-if <threshold>', `exit 1 when the newest result crosses it (several allowed): ${THRESHOLD_SYNTAX}`, (v, all: string[] = []) => [...all, v])
  .addHelpText(
    'after',
    `
Examples:
  npm run compare -- results/2026-11-23T22-18-29-310Z-no-body-close.json results/2026-11-24T09-02-11-004Z-no-body-close.json
  npm run compare -- results/
  npm run compare -- old.json new.json --fail-if 'bad.timeWait.clientSide.peak > +10%' --fail-if 'good.requests.failed > 0'

A threshold compares the newest result with the one before it: +10% / -10% is a change in percent,
+50 / -50 a change in the figure's unit, 50 the newest value. Figures are paths into a variant's
summary (see results/schema/); requests.errorsByCode.<CODE> counts failures with one code.
A change is judged significant by Welch's t-test when both results have 3 or more trials (--repeat 3).

Exit status: 0 compared, 1 a --fail-if threshold was crossed, 2 bad input.`,
  );

/**
 * The width of the text when stderr is no terminal (a file, a pipe, a CI log): room for two results
 * side by side with their change and its significance, and a bound for many results.
 */
const PIPE_COLUMNS = 160;

async function isFolder(target: string): Promise<boolean> {
  return (await stat(target).catch(() => null))?.isDirectory() ?? false;
}

/** Why a result's figures are not comparable (a variant failed, the run was interrupted), or null. */
function incomplete({ result }: ResultFile): string | null {
  if (result.status === 'interrupted') return 'the run was interrupted';
  const failed = result.variants.find((v) => v.failure);
  return failed ? `variant ${failed.name} failed (${failed.failure!.message})` : null;
}

/** One folder: every complete result in it, grouped by scenario. Files: complete results of one scenario, each a run of its own. */
async function loadGroups(paths: string[]): Promise<ResultFile[][]> {
  if (paths.length === 1 && (await isFolder(paths[0]!))) {
    const { results: all, skipped } = await readResultFolder(paths[0]!);
    for (const { file, why } of skipped) console.error(printable(`compare: skipped ${file}: ${why}`));
    const results = all.filter((r) => !incomplete(r));
    for (const r of all) if (incomplete(r)) console.error(printable(`compare: skipped ${r.file}: ${incomplete(r)}`));
    const groups = [...groupByScenario(results).values()];
    const single = groups.filter((g) => g.length < 2).map((g) => g[0]!.result.scenario);
    if (single.length > 0) console.error(printable(`compare: one result only, nothing to compare, for: ${single.join(', ')}`));
    const comparable = groups.filter((g) => g.length >= 2);
    if (comparable.length === 0) throw new UsageError(`${paths[0]}: no scenario has two or more results in this folder`);
    return comparable;
  }
  for (const p of paths) if (await isFolder(p)) throw new UsageError(`${p} is a folder: give one folder alone, or two or more result files`);
  if (paths.length < 2) throw new UsageError('give two or more result files of one scenario, or one folder of results');
  await checkReadBudget(paths, 'the files given');
  const read = new ReadResults();
  // One by one, so that with several bad files the first one named is the one reported; a file given
  // twice, under another name, or copied is the same run, and nothing is compared with itself.
  for (const file of paths) {
    const why = incomplete(await read.add(file));
    if (why) throw new UsageError(`${file}: its run did not complete (${why}); compare results of complete runs`);
  }
  const files = read.files;
  const scenarios = new Set(files.map((f) => f.result.scenario));
  if (scenarios.size > 1) {
    const which = files.map((f) => `${f.file} is ${f.result.scenario}`).join(', ');
    throw new UsageError(`results of different scenarios cannot be compared (${which}); give a folder to group them by scenario`);
  }
  return [files];
}

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const options = program.opts<{ json?: boolean; failIf?: string[] }>();
  // Thresholds are parsed before any file is read, so that a typo in one is reported at once.
  const thresholds: Threshold[] = (options.failIf ?? []).map(parseThreshold);
  const groups = await loadGroups(program.args);
  const comparisons: ScenarioComparison[] = groups.map((g) => compareResults(g, thresholds.map((t) => t.figure)));
  const checks = checkThresholds(thresholds, comparisons);
  const color = Boolean(process.stderr.isTTY);
  const columns = process.stderr.isTTY ? terminalColumns() : PIPE_COLUMNS;
  // What the results hold (a CPU model, a variant's name) came from files: printed without control characters.
  console.error(comparisons.map((c) => formatComparison(printableDeep(c), { color, columns })).join('\n\n'));
  if (checks.length > 0) console.error(`\nThresholds (--fail-if):\n${formatThresholdChecks(printableDeep(checks))}`);
  if (options.json) {
    const banner = process.stdout.isTTY ? null : npmBannerNote('compare');
    if (banner) console.error(banner);
    console.log(JSON.stringify({ comparisons, thresholds: checks }, null, 2));
  }
  return checks.some((c) => c.crossed) ? EXIT.thresholdCrossed : EXIT.ok;
}

const code = await exitCodeOf('compare', () => main(process.argv.slice(2)));
process.exit(code);
