// `npm run observe -- [--duration S] [--netns NAME | --pid PID] [--port N] [--remote ADDR[:PORT]]`:
// watches one network namespace, reading only (it sends nothing and changes no setting), and says
// which destinations get new connections how often, from which process, which end closes first,
// how many ports each has left, and which scenario of the catalogue it looks like. Writes the
// observation file. Exit 0 observed (every --expect held), 1 an --expect did not hold, 2 bad input,
// 3 the lab failed, 129/130/143 stopped by a signal (the observation read until then is written).
import path from 'node:path';
import { Option } from 'commander';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { printJson } from '../output/print-json.ts';
import { durationSeconds, observationExpectArgument, pidArgument, portArgument, remoteArgument } from '../cli/observe-options.ts';
import { pathArgument } from '../cli/path-arguments.ts';
import { stopAndExit } from '../cli/signals.ts';
import { stopOnSignals } from '../cli/output-options.ts';
import { npmBannerNote } from '../output/npm-banner.ts';
import { observe } from '../host/observe.ts';
import { writeObservation } from '../host/observation-file.ts';
import { missedExpectations, OBSERVATION_FIGURE_NAMES, type ObservationExpectation } from '../host/figures.ts';
import type { Where } from '../host/namespace.ts';
import { observationLines, observationProgress } from '../output/observation-text.ts';
import { outputMode } from '../output/progress.ts';
import { terminalColumns } from '../output/terminal-text.ts';
import { checkDestination, RESULTS_DIR, type ResultDestination } from '../result/file.ts';
import { EXIT } from '../shared/errors.ts';
import { printable } from '../shared/printable.ts';
import { traceConnections } from '../host/traced.ts';

const DEFAULT_DURATION_S = 30;
const SAMPLE_EVERY_MS = 1000;

interface CliOptions {
  duration: number;
  netns?: string;
  pid?: number;
  port?: number;
  remote?: { address: string; port?: number };
  expect?: ObservationExpectation[];
  out?: string;
  outDir?: string;
  json?: boolean;
  quiet?: boolean;
}

const program = labCommand('observe')
  .description(
    'Watch the TCP connections of one network namespace, reading only (it sends nothing, changes no setting): which destinations get new ' +
      'connections how often, from which process, which end closes first and keeps the TIME_WAIT, how many ports each destination has ' +
      'left, and which scenario of the catalogue reproduces the pattern, with its fix. As root the kernel\'s tracepoint names each ' +
      "connection's process; without root the socket table and counters are read over time, and the output says what was not read.",
  )
  .option('--duration <seconds>', `how long to observe (default: ${DEFAULT_DURATION_S}; Ctrl-C ends it sooner and keeps what was read)`, durationSeconds, DEFAULT_DURATION_S)
  .addOption(new Option('--netns <name>', 'observe the network namespace of that name (ip netns list; needs root)').conflicts('pid'))
  .option('--pid <pid>', 'observe the network namespace process PID lives in (a container, seen from its host)', pidArgument)
  .option('--port <port>', 'only connections with this port at either end', portArgument)
  .option('--remote <addr[:port]>', 'only connections to or from this address (and port)', remoteArgument)
  .option('--expect <expectation>', `a figure the observation must hold to, or exit 1 (repeatable), e.g. 'connectionsPerSecond <= 100'; figures: ${OBSERVATION_FIGURE_NAMES}`, observationExpectArgument)
  .option('--out <file>', 'where to write the observation JSON; a file already there is replaced (default: a new file in --out-dir)', pathArgument('a file name'))
  .addOption(new Option('--out-dir <folder>', 'folder for a new file <time>-observe.json; never replaces one (default: results/)').argParser(pathArgument('a folder')).conflicts('out'))
  .option('--json', 'print the observation JSON on stdout, and nothing else there')
  .option('--quiet', 'print only the answer at the end: no live view')
  .addHelpText(
    'after',
    `
Examples:
  sudo npm run observe                                  # this host, 30 s
  sudo npm run observe -- --pid 4121 --duration 10      # the namespace of a container's process
  npm run observe -- --port 8080 --expect 'connectionsPerSecond <= 100'

What it reads: /proc/<pid>/net/tcp, tcp6, sockstat, snmp and netstat of the namespace (every second),
its ip_local_port_range, tcp_tw_reuse and tcp_max_tw_buckets, and as root the kernel's tracepoint
sock:inet_sock_set_state in a tracing instance of its own, removed when it ends. docs/observe.md.

Exit status: 0 observed, every --expect held; 1 an --expect did not hold; 2 bad input (a PID or namespace
that does not exist, a duration that is not a number); 3 the lab failed; 129/130/143 stopped by SIGHUP,
SIGINT (Ctrl-C) or SIGTERM: the observation read until then is written.`,
  );

function whereOf(options: CliOptions): Where {
  if (options.pid !== undefined) return { kind: 'pid', pid: options.pid };
  if (options.netns !== undefined) return { kind: 'netns', name: options.netns };
  return { kind: 'host' };
}

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const options = program.opts<CliOptions>();
  if (program.args.length > 0) {
    program.error(`observe takes no arguments (got ${program.args[0]}); see npm run observe -- --help`, { exitCode: EXIT.usage });
  }
  const destination: ResultDestination = options.out ? { file: path.resolve(options.out) } : { folder: path.resolve(options.outDir ?? RESULTS_DIR) };
  await checkDestination(destination);
  const banner = options.json && !process.stdout.isTTY ? npmBannerNote('observe') : null;
  if (banner) console.error(banner);
  const mode = outputMode(Boolean(options.quiet));
  let progress = observationProgress('quiet', '');
  const observation = await observe({
    where: whereOf(options),
    durationS: options.duration,
    filters: { ...(options.port !== undefined && { port: options.port }), ...(options.remote && { remote: options.remote }) },
    intervalMs: SAMPLE_EVERY_MS,
    signal: interruption.signal,
    traceWith: traceConnections,
    onStart(namespace, traced) {
      progress = signals.showing(observationProgress(mode, namespace.description));
      if (mode !== 'quiet') {
        console.error(printable(`observe: reading ${namespace.description} for ${options.duration} s${traced ? ', with the tracer' : ''} (Ctrl-C ends it sooner)`));
      }
    },
    onSample: (rows, sample, windowS) => progress.show(rows, windowS, sample.timeWait),
  }).finally(() => progress.close());
  const file = await writeObservation(observation, destination);
  for (const line of observationLines(observation, terminalColumns())) console.error(line);
  console.error(`observe: wrote ${path.relative(process.cwd(), file) || file}`);
  if (options.json) await printJson(observation);
  if (interruption.exitCode !== undefined) return interruption.exitCode;
  const missed = missedExpectations(observation, options.expect ?? []);
  for (const line of missed) console.error(`observe: ${line}`);
  return missed.length > 0 ? EXIT.claimFailed : EXIT.ok;
}

const signals = stopOnSignals('observe', 'observation');
const { interruption } = signals;

const code = await exitCodeOf('observe', () => main(process.argv.slice(2)));
stopAndExit(interruption.exitCode ?? code);
