// `npm run measure -- [options] [--client 'NAME=<shell command>' ...] [-- <command> [args...]]`: runs
// the user's own clients, one after the other, each against a fresh server of the lab's, measured as
// a scenario's variants (the server's counts, both sides' sockets, the kernel's counters), prints
// the table on stderr and writes the result file. Exit 0 measured (and every --expect held), 1 an
// --expect did not hold, 2 bad input (before anything starts), 3 the lab failed or a client did
// (it exited non-zero, or ran past its time limit), 129/130/143 stopped by SIGHUP, SIGINT or SIGTERM.
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { clientArgument, commandClient, expectArgument } from '../cli/measure-options.ts';
import { addNetworkOptions, networkOptions, type NetworkCliOptions } from '../cli/network-options.ts';
import { addTrialOptions } from '../cli/run-options.ts';
import { addOutputOptions, stopOnSignals, type OutputCliOptions } from '../cli/output-options.ts';
import { serverSettingOptions, serverSettingsOf } from '../cli/server-options.ts';
import { stopAndExit } from '../cli/signals.ts';
import { beforeRunLines } from '../output/before-run.ts';
import { outputMode, progressOutput } from '../output/progress.ts';
import { checkClientCommand } from '../load/command-check.ts';
import { leftoverClientsLine, removeLeftoverClients } from '../load/leftover-clients.ts';
import { finishRun } from '../run/finish.ts';
import { planMeasurement } from '../run/plan.ts';
import { runScenario } from '../run/run-scenario.ts';
import { MEASUREMENT_TIME_LIMIT_S } from '../run/settings.ts';
import { figureOf, formatFigure } from '../result/figures.ts';
import { expectationText, MEASUREMENT, measurementScenario, type Expectation, type MeasuredClient } from '../scenario/measurement.ts';
import { UsageError } from '../shared/errors.ts';
import { serverSettingsSchema } from '../shapes/server-settings.ts';
import { MAX_VARIANTS } from '../result/schema.ts';

interface CliOptions extends NetworkCliOptions, OutputCliOptions {
  client?: MeasuredClient[];
  expect?: Expectation[];
  intervalMs: number;
  timeLimitS?: number;
  repeat: number;
  /** --drain: sample on after each client until TIME_WAIT is gone (its measured lifetime). */
  drain?: boolean;
}

const program = addOutputOptions(
  addTrialOptions(
    labCommand('measure')
      .description(
        "Measure your own HTTP client against the lab's server: does it reuse its connections, and which side keeps the TIME_WAIT? " +
          'Each client runs as it is, one after the other, each against a fresh server; the lab counts its requests and connections ' +
          'at the server, samples both sides\' sockets and reads the kernel\'s counters. The client finds the server in its environment: ' +
          'TARGET_URL (http://host:port/), TARGET_HOST, TARGET_PORT.',
      )
      .usage("[options] [--client 'NAME=<shell command>' ...] [-- <command> [args...]]")
      .argument('[command...]', 'a client: a program and its arguments, run as they are (put -- before it)')
      .option('--client <name=command>', `a client run with sh -c, named NAME in the table (repeatable, at most ${MAX_VARIANTS}; they run in the order given)`, clientArgument)
      .option(
        '--expect <expectation>',
        "a figure every client must hold to, or exit 1 (repeatable), e.g. 'connectionsPerRequest <= 0.05'; OP one of < <= > >= ==; figures as in results/schema/",
        expectArgument,
      ),
    { timeLimitDefault: `default: ${MEASUREMENT_TIME_LIMIT_S} s; the client and what it started are stopped`, each: 'client' },
  ),
  '<time>-measure.json',
).addHelpText(
  'after',
  `
Examples:
  npm run measure -- --client 'loop=for i in $(seq 60); do curl -s -o /dev/null "$TARGET_URL"; done' \\
                     --client 'one=curl -s $(for i in $(seq 60); do printf -- "-o /dev/null %s " "$TARGET_URL"; done)'
  npm run measure -- --expect 'connectionsPerRequest <= 0.05' -- python3 my_client.py

In network namespaces (--netns on, and auto as root) each client runs inside the client's namespace,
where the lab's server is the only host it can reach: nothing else (no DNS, no other service).
Requests are what the server answered, unless the client reports its own (the program-client
protocol's JSON lines on stdout, which also draw its progress); its other output on stdout is
dropped, and the last lines on stderr of a client that fails are shown.

Exit status: 0 measured, every --expect held; 1 an --expect did not hold; 2 bad input (checked before anything starts);
3 the lab failed, or a client exited non-zero or ran past its time limit (the result marks it failed);
129/130/143 stopped by SIGHUP (terminal closed), SIGINT (Ctrl-C) or SIGTERM: the result holds the clients that had finished.`,
);
for (const option of serverSettingOptions()) program.addOption(option);
addNetworkOptions(program);

/** The clients to measure, checked: --client ones in the order given, then the command after --. */
async function clientsOf(options: CliOptions, words: string[]): Promise<MeasuredClient[]> {
  const clients = [...(options.client ?? []), ...(words.length > 0 ? [commandClient(words as [string, ...string[]])] : [])];
  if (clients.length === 0) {
    throw new UsageError("no client to measure: give a command after -- (npm run measure -- -- ./my-client), or --client 'NAME=<shell command>'");
  }
  if (clients.length > MAX_VARIANTS) throw new UsageError(`${clients.length} clients: one measurement runs at most ${MAX_VARIANTS} (its result holds that many); measure the others in another`);
  const names = clients.map((c) => c.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new UsageError(`two clients are named ${twice}: name the --client ones otherwise (the command after -- is named after its program)`);
  for (const client of clients) await checkClientCommand(client);
  return clients;
}

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const options = program.opts<CliOptions>();
  const clients = await clientsOf(options, program.args);
  if (options.target && options.controlPort === undefined) {
    throw new UsageError(
      "--target: a measurement counts requests by the server's own count, which a --target server gives only through its control endpoint: add --control-port (npm run server -- --control-port N)",
    );
  }
  const expectations = options.expect ?? [];
  const server = serverSettingsSchema.parse(serverSettingsOf(options));
  // Before the plan's topology, which deletes the namespaces of dead runs: their clients are named first.
  const clientsLeft = leftoverClientsLine(await removeLeftoverClients());
  const plan = await planMeasurement(measurementScenario(clients, expectations, server), {
    ...options,
    server,
    network: networkOptions(options),
    output: options,
  });
  const mode = outputMode(Boolean(options.quiet));
  for (const line of beforeRunLines(MEASUREMENT, plan, { json: options.json, quiet: mode === 'quiet' })) console.error(line);
  if (clientsLeft && mode !== 'quiet') console.error(clientsLeft);
  const progress = signals.showing(progressOutput(mode));
  const result = await runScenario(plan, progress.onEvent, interruption.signal).finally(progress.close);
  // From here the result's status decides the exit: a signal that comes while it is written does not contradict it.
  runReturned = true;
  // One line per client and expectation that did not hold, naming the figure as --expect did.
  const claimsMissed = (measured: typeof result) =>
    measured.claims.flatMap((claim, i) => {
      const expectation = expectations[Math.floor(i / clients.length)]!;
      const value = claim.measured === null ? 'nothing' : formatFigure(figureOf(claim.metric)!, claim.measured);
      return claim.held ? [] : [`measure: --expect '${expectationText(expectation)}' did not hold for ${claim.variant} (measured ${value})`];
    });
  return finishRun(MEASUREMENT, result, plan, { json: options.json, report: options.report, interrupted: interruption.exitCode, liveViewFailure: progress.failure, claimsMissed });
}

const signals = stopOnSignals(MEASUREMENT, 'client');
const { interruption } = signals;
/** Whether the run has returned its result (complete, failed or interrupted). */
let runReturned = false;

const code = await exitCodeOf('measure', () => main(process.argv.slice(2)));
stopAndExit(runReturned ? code : (interruption.exitCode ?? code));
