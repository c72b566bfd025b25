// `npm run workshop -- [--yes] [scenario options]`: walks through every scenario in order, for a
// room. For each: the story and the client code on a clean screen, a pause, then the run itself
// (the scenario CLI in a child process on the same terminal, so its live view draws there), a
// pause. At the end one HTML report of the session. Enter goes on, q quits; --yes never pauses.
import path from 'node:path';
import readline from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { loadScenario, missingRequirements, scenarioNames } from '../scenario/catalog.ts';
import { EXIT, exitCodeOf, UsageError } from '../shared/errors.ts';
import { formatExplanation } from '../output/explain.ts';
import { writeReport } from '../output/report-file.ts';
import { fileTimestamp, RESULTS_DIR } from '../result/file.ts';
import { styler, terminalColumns } from '../output/terminal-text.ts';

const CLI = new URL('./scenario.ts', import.meta.url).pathname;
const HELP = `Usage: npm run workshop -- [--yes] [scenario options]

Walks through every scenario in order: its story and client code, a pause, the run with its live
view, a pause. Enter goes on, q quits. Writes the results and one HTML report of the session to
results/workshop-<time>/.

Options:
  --yes       do not pause (for a rehearsal, or when no one is at the keyboard)
  -h, --help  this help

Any other option is passed to every scenario run, e.g. --requests 500 (see npm run scenario -- --help).
Exit status: 0 every claim held, 1 a claim did not hold, 2 bad input, 3 the lab failed, 130/143 interrupted.`;

/** Options the workshop sets itself, so it does not take them from the command line. */
const OWN_OPTIONS = ['--out', '--json', '--list', '--explain', '--quiet', '--no-story', '--report'];

const style = styler(Boolean(process.stderr.isTTY));
const say = (text = '') => process.stderr.write(`${text}\n`);
const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

let child: ResultPromise | null = null;

/** Waits for Enter (go on) or q (quit); Ctrl-C quits as an interrupt. */
function keypress(prompt: string): Promise<'go' | 'quit' | 'interrupt'> {
  say(`\n${style('inverse', ` ${prompt} `)}  ${style('dim', 'Enter: go on   q: quit')}`);
  readline.emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  return new Promise((resolve) => {
    const onKey = (_text: string | undefined, key: readline.Key | undefined) => {
      const answer = key?.ctrl && key.name === 'c' ? 'interrupt' : key?.name === 'q' ? 'quit' : key?.name === 'return' || key?.name === 'enter' ? 'go' : null;
      if (!answer) return;
      process.stdin.off('keypress', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      resolve(answer);
    };
    process.stdin.on('keypress', onKey);
  });
}

/** The scenario CLI with the presenter's options, on this terminal; resolves with its exit code. */
async function runCli(args: string[]): Promise<number> {
  child = execa(process.execPath, [CLI, ...args], { stdio: 'inherit', reject: false });
  const { exitCode, signal } = await child;
  child = null;
  return exitCode ?? (signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
}

/** Checks the options to pass on once, up front, as the scenario CLI itself reads them. */
async function checkPassedOptions(first: string, passed: string[]): Promise<void> {
  const own = passed.find((a) => OWN_OPTIONS.includes(a.split('=')[0]!));
  if (own) throw new UsageError(`${own} is set by the workshop itself; it accepts --yes and the scenario run options (npm run scenario -- --help)`);
  const check = await execa(process.execPath, [CLI, first, '--explain', ...passed], { reject: false, stdin: 'ignore' });
  if (check.exitCode !== 0) throw new UsageError(String(check.stderr).trim().split('\n').at(-1)!.replace(/^scenario: /, ''));
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    say(HELP);
    return EXIT.ok;
  }
  const pause = !argv.includes('--yes');
  const passed = argv.filter((a) => a !== '--yes');
  if (pause && !process.stdin.isTTY) throw new UsageError('pausing needs a terminal to read Enter or q from; run with --yes to go through without pauses');
  const names = await scenarioNames();
  await checkPassedOptions(names[0]!, passed);

  const session = path.join(RESULTS_DIR, `workshop-${fileTimestamp(new Date().toISOString())}`);
  const files: string[] = [];
  let worst: number = EXIT.ok;
  for (const [i, name] of names.entries()) {
    const scenario = await loadScenario(name);
    const lacks = (await missingRequirements([scenario])).get(name);
    if (lacks) {
      say(`\nSkipping ${name} here: it needs ${lacks.map((r) => `${r.what} (${r.howToGet})`).join(', ')}.`);
      continue;
    }
    process.stderr.write(pause ? CLEAR_SCREEN : '\n');
    say(style('bold', `timewait-lab workshop · scenario ${i + 1} of ${names.length}`));
    say();
    say(formatExplanation(scenario, { columns: terminalColumns(), color: Boolean(process.stderr.isTTY) }));
    if (pause) {
      const key = await keypress(`Run ${name}?`);
      if (key !== 'go') return key === 'quit' ? stop(files, session) : EXIT.sigint;
      process.stderr.write(CLEAR_SCREEN);
    }
    const file = path.join(session, `${name}.json`);
    const code = await runCli([name, '--no-story', '--out', file, ...passed]);
    if (code === EXIT.ok || code === EXIT.claimFailed) files.push(file);
    if (code !== EXIT.ok && code !== EXIT.claimFailed) return code;
    worst = Math.max(worst, code);
    if (pause && i < names.length - 1) {
      const key = await keypress(`Next: ${names[i + 1]}`);
      if (key !== 'go') return key === 'quit' ? stop(files, session) : EXIT.sigint;
    }
  }
  await finish(files, session);
  return worst;
}

async function finish(files: string[], session: string): Promise<void> {
  if (files.length === 0) return;
  const report = await writeReport(files, path.join(session, 'report.html'));
  say(`\n${style('bold', 'Report of this session:')} ${path.relative(process.cwd(), report)}`);
}

async function stop(files: string[], session: string): Promise<number> {
  say('\nStopped by the presenter.');
  await finish(files, session);
  return EXIT.ok;
}

// Ctrl-C during a run reaches the scenario CLI too (same terminal): it stops its processes; the
// workshop waits for it, then ends with the signal's code. SIGTERM is passed on to the child.
// `on`, not `once`: execa's exit hook re-raises a signal no other listener handles.
for (const [signal, code] of [['SIGINT', EXIT.sigint], ['SIGTERM', EXIT.sigterm]] as const) {
  process.on(signal, () => {
    if (signal === 'SIGTERM') child?.kill('SIGTERM');
    void Promise.resolve(child).finally(() => process.exit(code));
  });
}

process.exit(await exitCodeOf('workshop', () => main(process.argv.slice(2))));
