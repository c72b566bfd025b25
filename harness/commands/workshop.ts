// `npm run workshop -- [--yes] [--out-dir <folder>] [scenario options]`: walks through every
// scenario in order, for a room. For each: the story and the client code on a clean screen, a pause,
// then the run itself (the scenario CLI in a child process on the same terminal, so its live view
// draws there), a pause. At the end one HTML report of the session. Enter goes on, q quits; --yes
// never pauses. Before the first story every scenario is checked with the options, as its run will
// check them: one that cannot run is skipped, saying why, and a run that fails does not end the
// session. Ctrl-C, SIGTERM or a closed terminal (SIGHUP) stops the run going on, and the report
// still holds what had run.
import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { addLoadOptions } from '../cli/run-options.ts';
import { onStopSignals, stopAndExit, type StopSignal } from '../cli/signals.ts';
import { pathArgument } from '../cli/path-arguments.ts';
import { addNetworkOptions, networkOptions, type NetworkCliOptions } from '../cli/network-options.ts';
import { planScenario } from '../run/plan.ts';
import { loadScenario, scenarioNames } from '../scenario/catalog.ts';
import type { Scenario } from '../scenario/contract.ts';
import { checkMachine, missingRequirements } from '../run/machine-check.ts';
import type { SettingOverrides } from '../run/settings.ts';
import { EXIT, UsageError } from '../shared/errors.ts';
import { printable } from '../shared/printable.ts';
import { formatExplanation } from '../output/explain.ts';
import { writeReport } from '../output/html/report-file.ts';
import { checkDestination, fileTimestamp, RESULTS_DIR } from '../result/file.ts';
import { styler, terminalColumns } from '../output/terminal-text.ts';

const CLI = new URL('./scenario.ts', import.meta.url).pathname;

/** The scenario CLI's options that the workshop sets itself (or that make no sense in a session), so it refuses them. */
const OWN_OPTIONS = ['--out', '--json', '--list', '--explain', '--quiet', '--no-story', '--report'];
/** The workshop's own options, which are not passed on to the runs. */
const WORKSHOP_OPTIONS = ['yes', 'outDir'];

// The scenario run options, checked here as the scenario CLI checks them, then passed on as they were parsed.
const program = addNetworkOptions(
  addLoadOptions(
    labCommand('workshop')
      .description(
        'Walk through every scenario in order: its story and client code, a pause, the run with its live view, a pause. ' +
          'Enter goes on, q quits. Writes the results and one HTML report of the session to results/workshop-<time>/.',
      )
      .usage('[--yes] [--out-dir <folder>] [scenario options]')
      .option('--yes', 'do not pause (for a rehearsal, or when no one is at the keyboard)')
      .option('--out-dir <folder>', 'the folder the session folder workshop-<time>/ goes in (default: results/)', pathArgument('a folder')),
  ),
).addHelpText(
  'after',
  '\nEvery option but --yes and --out-dir is passed to each scenario run (see npm run scenario -- --help); a scenario\n' +
    'that cannot run with them (or on this machine) is skipped, saying why.\n' +
    'Exit status: 0 every claim held, 1 a claim did not hold, 2 bad input, 3 the lab failed,\n' +
    '129/130/143 stopped by SIGHUP (terminal closed), SIGINT (Ctrl-C) or SIGTERM: the run going on stops at once, the report holds what had run.',
);

const style = styler(Boolean(process.stderr.isTTY));
const say = (text = '') => process.stderr.write(`${text}\n`);
const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

let child: ResultPromise | null = null;

/** Waits for Enter (go on) or q (quit); Ctrl-C, or a stop signal while it waits, interrupts. */
function keypress(prompt: string): Promise<'go' | 'quit' | 'interrupt'> {
  say(`\n${style('inverse', ` ${prompt} `)}  ${style('dim', 'Enter: go on   q: quit')}`);
  if (interruption.signal.aborted) return Promise.resolve('interrupt');
  readline.emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  return new Promise((resolve) => {
    const done = (answer: 'go' | 'quit' | 'interrupt') => {
      process.stdin.off('keypress', onKey);
      interruption.signal.removeEventListener('abort', onAbort);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      resolve(answer);
    };
    const onKey = (_text: string | undefined, key: readline.Key | undefined) => {
      const answer = key?.ctrl && key.name === 'c' ? 'interrupt' : key?.name === 'q' ? 'quit' : key?.name === 'return' || key?.name === 'enter' ? 'go' : null;
      if (answer) done(answer);
    };
    const onAbort = () => done('interrupt');
    process.stdin.on('keypress', onKey);
    interruption.signal.addEventListener('abort', onAbort);
  });
}

/**
 * The scenario CLI with the presenter's options, on this terminal; resolves with its exit code. It
 * runs in a session of its own, so the terminal's Ctrl-C or hang-up reaches only the workshop,
 * which passes it on once (two would make the scenario CLI stop at once, without its result).
 */
async function runCli(args: string[]): Promise<number> {
  child = execa(process.execPath, [CLI, ...args], { stdio: 'inherit', reject: false, detached: true });
  const { exitCode, signal } = await child;
  child = null;
  return exitCode ?? 128 + (signal ? os.constants.signals[signal] : 0);
}

/**
 * The scenario run options as the workshop parsed them, written back as arguments: each run gets
 * exactly what the check before the session saw, whatever form they were typed in.
 */
function runArguments(): string[] {
  return program.options.flatMap((option) => {
    const key = option.attributeName();
    if (WORKSHOP_OPTIONS.includes(key) || program.getOptionValueSource(key) !== 'cli') return [];
    const value: unknown = program.getOptionValue(key);
    if (key === 'sysctl') return Object.entries(value as Record<string, string>).flatMap(([name, v]) => [option.long!, `${name}=${v}`]);
    // A flag (--drain, --no-drain: one attribute, two options) is given back as the one that set its value.
    if (typeof value === 'boolean') return value === !option.negate ? [option.long!] : [];
    return [option.long!, value instanceof URL ? value.href : String(value)];
  });
}

/** Why `scenario` cannot run here with these options, as the scenario CLI would refuse it before starting; null when it can. */
async function cannotRun(scenario: Scenario, options: WorkshopOptions): Promise<string | null> {
  const lacks = (await missingRequirements([scenario])).get(scenario.name);
  if (lacks) return `it needs ${lacks.map((r) => `${r.what} (${r.howToGet})`).join(', ')}`;
  const { netns, sysctl, target, controlPort, listen, yes: _yes, outDir: _outDir, ...overrides } = options;
  try {
    await planScenario(scenario, { ...overrides, network: networkOptions({ netns, sysctl, target, controlPort, listen }), output: null });
    return null;
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

interface WorkshopOptions extends NetworkCliOptions, SettingOverrides {
  yes?: boolean;
  outDir?: string;
}

async function main(argv: string[]): Promise<number> {
  const own = argv.find((a) => OWN_OPTIONS.includes(a.split('=')[0]!));
  if (own) throw new UsageError(`${own} is set by the workshop itself; it accepts --yes, --out-dir and the scenario run options (npm run scenario -- --help)`);
  program.parse(argv, { from: 'user' });
  const options = program.opts<WorkshopOptions>();
  const pause = !options.yes;
  if (pause && !process.stdin.isTTY) throw new UsageError('pausing needs a terminal to read Enter or q from; run with --yes to go through without pauses');
  await checkMachine();
  const session = path.resolve(options.outDir ?? RESULTS_DIR, `workshop-${fileTimestamp(new Date().toISOString())}`);
  await checkDestination({ folder: session });
  // Every scenario is checked with the options before the first one runs: none fails on them halfway through the session.
  const plan: { scenario: Scenario; skip: string | null }[] = [];
  for (const name of await scenarioNames()) {
    const scenario = await loadScenario(name);
    plan.push({ scenario, skip: await cannotRun(scenario, options) });
  }
  if (plan.every((p) => p.skip)) throw new UsageError(`no scenario can run here with these options: ${plan.map((p) => `${p.scenario.name}: ${p.skip}`).join('; ')}`);
  const passed = runArguments();
  const names = plan.map((p) => p.scenario.name);

  const files: string[] = [];
  let worst: number = EXIT.ok;
  for (const [i, { scenario, skip }] of plan.entries()) {
    const name = scenario.name;
    if (skip) {
      // The reason may quote what the user gave (a --target URL): printed without control characters.
      say();
      say(printable(`Skipping ${name} here: ${skip}.`));
      continue;
    }
    process.stderr.write(pause ? CLEAR_SCREEN : '\n');
    say(style('bold', `timewait-lab workshop · scenario ${i + 1} of ${names.length}`));
    say();
    say(formatExplanation(scenario, { columns: terminalColumns(), color: Boolean(process.stderr.isTTY) }));
    if (pause) {
      const key = await keypress(`Run ${name}?`);
      if (key !== 'go') return key === 'quit' ? stop(files, session) : interrupted(files, session);
      process.stderr.write(CLEAR_SCREEN);
    }
    if (interruption.signal.aborted) return interrupted(files, session);
    const file = path.join(session, `${name}.json`);
    const code = await runCli([name, '--no-story', '--out', file, ...passed]);
    if (interruption.signal.aborted) {
      // An interrupted run writes the variants that had finished, if any did.
      if (await exists(file)) files.push(file);
      return interrupted(files, session);
    }
    // A run that failed (a variant that failed is in its result) does not end the session: the next
    // scenario runs, and the report holds what each wrote.
    if (await exists(file)) files.push(file);
    worst = Math.max(worst, code);
    const next = plan.slice(i + 1).find((p) => !p.skip);
    if (pause && next) {
      const key = await keypress(`Next: ${next.scenario.name}`);
      if (key !== 'go') return key === 'quit' ? stop(files, session) : interrupted(files, session);
    }
  }
  await finish(files, session);
  return worst;
}

const exists = (file: string) => access(file).then(() => true, () => false);

async function finish(files: string[], session: string): Promise<void> {
  if (files.length === 0) return;
  const report = await writeReport(files, path.join(session, 'report.html'));
  say(`\n${style('bold', 'Report of this session:')} ${printable(path.relative(process.cwd(), report))}`);
}

async function stop(files: string[], session: string): Promise<number> {
  say('\nStopped by the presenter.');
  await finish(files, session);
  return EXIT.ok;
}

/** Stopped by a signal, or by Ctrl-C at a pause (SIGINT's code): the report holds what had run. */
async function interrupted(files: string[], session: string): Promise<number> {
  const signal = (interruption.signal.reason as StopSignal | undefined) ?? 'SIGINT';
  say(`\nworkshop: interrupted by ${signal}${files.length > 0 ? '' : '; no scenario had run, no report written'}`);
  await finish(files, session);
  return interruption.exitCode ?? EXIT.sigint;
}

const interruption = onStopSignals({
  // The run going on stops at once: the signal goes on to the scenario CLI, which keeps what had finished.
  windDown: (signal) => child?.kill(signal),
  // Again (or the wind-down takes too long): the scenario CLI stops at once, then the report is written.
  atOnce: (signal) => (child ? child.kill(signal) : stopAndExit(interruption.exitCode!)),
});

const code = await exitCodeOf('workshop', () => main(process.argv.slice(2)));
process.exit(interruption.exitCode ?? code);
