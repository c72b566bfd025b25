// `npm run scenario -- <name> [options]`: runs a scenario, prints the table on stderr, writes the
// result file. Exit 0 when the claims held, 1 when one did not, 2 on bad input, 3 when the lab failed
// (a variant that failed is in the result, marked failed), 129/130/143 when stopped by SIGHUP, SIGINT
// or SIGTERM (the result then holds the variants that had finished, marked interrupted; none is
// written if none had).
import { loadAllScenarios, loadScenario } from '../scenario/catalog.ts';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { addNetworkOptions, networkOptions, type NetworkCliOptions } from '../cli/network-options.ts';
import { addLoadOptions } from '../cli/run-options.ts';
import { addOutputOptions, stopOnSignals, type OutputCliOptions } from '../cli/output-options.ts';
import { stopAndExit } from '../cli/signals.ts';
import { EXIT } from '../shared/errors.ts';
import { missingRequirements } from '../run/machine-check.ts';
import { formatScenarioList } from '../output/scenario-list.ts';
import type { SettingOverrides } from '../run/settings.ts';
import type { Scenario } from '../scenario/contract.ts';

interface CliOptions extends NetworkCliOptions, SettingOverrides, OutputCliOptions {
  list?: boolean;
  explain?: boolean;
  story: boolean;
}

const program = addOutputOptions(
  addLoadOptions(
    labCommand('scenario')
      .description('Run a misconfigured HTTP client and its fix against a local server; sample TCP states; write a result file.')
      .argument('[name]', 'scenario to run (see --list)'),
  ),
  '<time>-<scenario>.json',
)
  .option('--list', 'list the scenarios and exit')
  .option('--explain', "print the scenario's story and its client code (misconfigured next to the fix), then exit")
  .option('--no-story', 'skip the story and the client code before the run')
  .addHelpText(
    'after',
    '\nUnder a rate (--rate, or a scenario that declares one) each variant\'s summary adds rate.askedPerSec, rate.achievedPerSec\n' +
      '(requests started per second), rate.dropped (not started: the cap was reached at their time), rate.peakInFlight and\n' +
      'serviceTimeMs (from the actual send); latencyMs then runs from each request\'s scheduled start (docs/load.md).\n' +
      'A variant that drains (--drain) adds timeWait.lifetimeMs (the mean life of a client-side TIME_WAIT socket, by Little\'s law)\n' +
      'and timeWait.drain (the drain\'s step, the timer, the accuracy); a load that outlasts TIME_WAIT adds timeWait.plateau, and\n' +
      'projection holds what the projection predicts beside what the run measured; claims a run was not made for are in\n' +
      'claimsNotChecked (docs/time.md).\n' +
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
  if (options.explain) {
    console.error(await explanation(await loadScenario(name)));
    return EXIT.ok;
  }
  return run(name, options);
}

/** Plan, run, finish. The scenario loads while the options are checked: a refusal names every problem of both. */
async function run(name: string, { netns, sysctl, target, controlPort, listen, out, outDir, json, quiet, report, story, ...overrides }: CliOptions): Promise<number> {
  const [{ planScenario }, { runScenario }, { finishRun }, { beforeRunLines }, { outputMode, progressOutput }] = await Promise.all([
    import('../run/plan.ts'),
    import('../run/run-scenario.ts'),
    import('../run/finish.ts'),
    import('../output/before-run.ts'),
    import('../output/progress.ts'),
  ]);
  const plan = await planScenario(loadScenario(name), { ...overrides, network: networkOptions({ netns, sysctl, target, controlPort, listen }), output: { out, outDir } });
  const mode = outputMode(Boolean(quiet));
  const lines = beforeRunLines('scenario', plan, {
    json,
    quiet: mode === 'quiet',
    story: story && mode !== 'quiet' ? await explanation(plan.scenario) : null,
  });
  for (const line of lines) console.error(line);
  const progress = signals.showing(progressOutput(mode));
  const result = await runScenario(plan, progress.onEvent, interruption.signal).finally(progress.close);
  // From here the result's status decides the exit: a signal that comes while it is written does not contradict it.
  runReturned = true;
  return finishRun('scenario', result, plan, { json, report, interrupted: interruption.exitCode, liveViewFailure: progress.failure });
}

const signals = stopOnSignals('scenario', 'variant');
const { interruption } = signals;
/** Whether the run has returned its result (complete, failed or interrupted). */
let runReturned = false;

const code = await exitCodeOf('scenario', () => main(process.argv.slice(2)));
stopAndExit(runReturned ? code : (interruption.exitCode ?? code));
