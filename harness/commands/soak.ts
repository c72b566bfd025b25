// `npm run soak -- [--minutes 10] [--iterations N] [--scenarios a,b@loopback] [--requests N] [--out file]`:
// runs scenarios back to back in this process for a bounded time and checks that the harness stays
// flat: file descriptors, heap, processes and namespaces left, exact counts and claims. Prints a
// table on stderr, writes results/soak-<time>.json. Exit 0 flat, 1 not flat, 2 bad input, 3 the lab
// failed, 129/130/143 stopped by SIGHUP, SIGINT or SIGTERM.
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { minutes, wholeNumber } from '../cli/number-arguments.ts';
import { pathArgument } from '../cli/path-arguments.ts';
import { LIMITS } from '../run/settings.ts';
import { onStopSignals, STOP_SIGNALS, stopAndExit } from '../cli/signals.ts';
import { readEnvironment } from '../observe/environment.ts';
import { EXIT } from '../shared/errors.ts';
import { checkMachine } from '../run/machine-check.ts';
import { fileTimestamp, RESULTS_DIR, validJsonText, writeFileAtomically } from '../result/file.ts';
import { markDescendants, measureBoundary } from '../soak/measure.ts';
import { formatChecks, formatIterationLine, formatSoakTable, formatVerdict } from '../soak/format.ts';
import { DEFAULT_MIX, entryText, parseEntries, type SoakEntry } from '../soak/plan.ts';
import { iterationBoundMs, prepareEntries, runIteration } from '../soak/run.ts';
import { SOAK_SCHEMA_VERSION, soakReportProblems, type Iteration, type SoakReport } from '../soak/schema.ts';
import { MIN_ITERATIONS, soakChecks } from '../soak/verdict.ts';
import { formatCount } from '../shared/numbers.ts';

/** The longest soak: four hours. */
const MAX_MINUTES = 240;

function entries(text: string): SoakEntry[] {
  try {
    return parseEntries(text);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

interface CliOptions {
  minutes: number;
  iterations?: number;
  scenarios?: SoakEntry[];
  requests?: number;
  out?: string;
}

const program = labCommand('soak')
  .description('Run scenarios back to back in one process for a bounded time; check that memory, file descriptors, processes, namespaces and exact counts stay flat.')
  .option('--minutes <m>', `how long to start new iterations (at most ${MAX_MINUTES})`, minutes(MAX_MINUTES), 10)
  .option('--iterations <n>', 'stop after this many iterations, if the time is not up first', wholeNumber(MIN_ITERATIONS, 100_000))
  .option('--scenarios <list>', `comma-separated <scenario>[@namespaces|@loopback] (default: ${DEFAULT_MIX.map(entryText).join(',')})`, entries)
  .option('--requests <n>', "requests per variant in every scenario (default: the mix's, or the scenario's)", wholeNumber(1, LIMITS.requests))
  .option('--out <file>', 'where to write the soak report (default: results/soak-<time>.json)', pathArgument('a file name'))
  .addHelpText('after', '\nExit status: 0 flat, 1 not flat, 2 bad input, 3 the lab failed, 129/130/143 stopped by SIGHUP (terminal closed), SIGINT (Ctrl-C) or SIGTERM.');

const iterations: Iteration[] = [];

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const options = program.opts<CliOptions>();
  await checkMachine();
  markDescendants();
  const plan = await prepareEntries(options.scenarios ?? [...DEFAULT_MIX], options.requests);
  const startedAt = new Date().toISOString();
  const deadline = performance.now() + options.minutes * 60_000;
  // However long an iteration hangs, the soak ends: its own time limits should stop it well before.
  const hardCapMs = options.minutes * 60_000 + Math.max(...plan.map(iterationBoundMs));
  setTimeout(() => onHardCap(hardCapMs), hardCapMs).unref();

  console.error(
    `soak: for ${options.minutes} min${options.iterations ? ` or ${formatCount(options.iterations)} iterations` : ''}, round after round: ` +
      plan.map((e) => `${e.key} (${formatCount(e.settings.load.requests)} requests per variant)`).join(', '),
  );
  for (const note of new Set(plan.flatMap((e) => e.topology.notes))) console.error(`  ${note}`);
  const before = await measureBoundary();
  while (performance.now() < deadline && iterations.length < (options.iterations ?? Infinity)) {
    const entry = plan[iterations.length % plan.length]!;
    const iteration = await runIteration(entry, iterations.length + 1);
    iterations.push(iteration);
    console.error(formatIterationLine(iteration));
  }

  const checks = soakChecks(iterations);
  const report: SoakReport = {
    kind: 'timewait-lab-soak',
    schemaVersion: SOAK_SCHEMA_VERSION,
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: {
      minutes: options.minutes,
      iterations: options.iterations ?? null,
      entries: (options.scenarios ?? DEFAULT_MIX).map(entryText),
      requests: options.requests ?? null,
    },
    env: await readEnvironment(plan.some((e) => e.topology.record.mode === 'namespaces')),
    before,
    iterations,
    checks,
    flat: checks.every((c) => c.held),
  };
  const text = validJsonText(report, soakReportProblems(report), 'soak report');
  const file = options.out ?? path.join(RESULTS_DIR, `soak-${fileTimestamp(startedAt)}.json`);
  await writeFileAtomically(file, text, 'soak report');
  console.error(`\n${formatSoakTable(report)}\n\nChecks:\n${formatChecks(checks)}\n\n${formatVerdict(report)}\nReport written to ${path.relative(process.cwd(), file) || file}`);
  return report.flat ? EXIT.ok : EXIT.claimFailed;
}

let stopping = false;
/** Stops the processes the soak started and deletes its namespaces (stopAndExit): nothing of it is kept. */
function stop(message: string, code: number): void {
  if (stopping) return;
  stopping = true;
  console.error(`\nsoak: ${message} after ${iterations.length} iterations; stopping its processes, no report written`);
  stopAndExit(code);
}

function onHardCap(ms: number): void {
  stop(`still running after ${formatCount(Math.round(ms / 1000))} s, past its time and the longest an iteration may take`, EXIT.labFailure);
}

onStopSignals({ windDown: (signal) => stop(`interrupted by ${signal}`, STOP_SIGNALS[signal]) });

const code = await exitCodeOf('soak', () =>
  main(process.argv.slice(2)).catch((error: unknown) => {
    // Once stopping, the processes it ended make the iteration fail: stop() reports and exits, so
    // this waits for that instead of reporting a failure.
    if (stopping) return new Promise<number>(() => {});
    throw error;
  }),
);
stopAndExit(code);
