// `npm run bench [-- --quick] [--only <parts>] [--out <file>] [--json]`: measures the lab's sampler,
// tracer (the connection ledger's), load (its rate generator too) and harness beside ss, netstat,
// /proc, autocannon and wrk, prints the figures and targets on stderr, and writes results/bench-<time>.json. Targets are figures: a missed one does not change the
// exit status (0 it ran, 2 bad input, 3 the lab failed, 129/130/143 stopped by SIGHUP, SIGINT or SIGTERM).
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { pathArgument } from '../cli/path-arguments.ts';
import { onStopSignals, STOP_SIGNALS, stopAndExit } from '../cli/signals.ts';
import { scenarioNames } from '../scenario/catalog.ts';
import { readEnvironment } from '../observe/environment.ts';
import { EXIT } from '../shared/errors.ts';
import { checkMachine } from '../run/machine-check.ts';
import { namespaceUnavailability } from '../stage/netns.ts';
import { fileTimestamp, RESULTS_DIR, validJsonText, writeFileAtomically } from '../result/file.ts';
import { BENCH_SCHEMA_VERSION, benchProblems, type BenchResult, type HarnessSection, type ScenarioCost } from '../../bench/bench-schema.ts';
import { formatBench } from '../../bench/format.ts';
import { measureScenario, measureStart, runnableScenarios } from '../../bench/harness-cost.ts';
import { benchLoad, type LoadPlan } from '../../bench/load-bench.ts';
import { benchSampler } from '../../bench/sampler-bench.ts';
import { benchTracer, type TracerPlan } from '../../bench/tracer-bench.ts';
import type { SamplerPlan } from '../../bench/sampler-job.ts';
import { benchObserve, type ObservePlan } from '../../bench/observe-bench.ts';
import { evaluateTargets } from '../../bench/targets.ts';
import { formatCount } from '../shared/numbers.ts';

const PARTS = ['sampler', 'tracer', 'load', 'harness', 'observe'] as const;
type Part = (typeof PARTS)[number];

interface Plan {
  sampler: SamplerPlan;
  tracer: TracerPlan;
  load: LoadPlan;
  /** Scenario runs: name and extra CLI arguments; null: every scenario with its defaults. */
  scenarios: { name: string; args: string[] }[] | null;
  /** Runs of the CLI's start, of which the median is kept. */
  starts: number;
  /** The slower sampler intervals the scenario with the highest observer share runs again at. */
  paceIntervalsMs: number[];
  /** npm run observe on a load of new connections, beside ss at 1 Hz. */
  observe: ObservePlan;
}

const PLANS: Record<'full' | 'quick', Plan> = {
  full: {
    sampler: { sizes: [1_000, 10_000, 30_000], budgetMsPerWay: 1_500, minReads: 5, maxRateMs: 3_000, intervalRunMs: 5_000 },
    tracer: { connections: 5_000, concurrency: 20 },
    load: { requests: 20_000, concurrency: 20, rate: { rates: [1_000, 2_500, 5_000], seconds: 3 } },
    scenarios: null,
    starts: 5,
    paceIntervalsMs: [1_000, 5_000],
    observe: { rate: 1_000, seconds: 10 },
  },
  quick: {
    sampler: { sizes: [500], budgetMsPerWay: 100, minReads: 3, maxRateMs: 300, intervalRunMs: 800 },
    tracer: { connections: 300, concurrency: 10 },
    load: { requests: 1_000, concurrency: 10, rate: { rates: [300], seconds: 0.5 } },
    scenarios: [{ name: 'no-body-close', args: ['--requests', '200'] }],
    starts: 1,
    paceIntervalsMs: [1_000],
    observe: { rate: 200, seconds: 2 },
  },
};

function partList(text: string): Part[] {
  const parts = text.split(',').map((p) => p.trim());
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0 || parts.length === 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${PARTS.join(', ')}; got "${unknown.join(', ') || text}".`);
  }
  return parts as Part[];
}

interface CliOptions {
  quick?: boolean;
  only?: Part[];
  out?: string;
  json?: boolean;
}

const program = labCommand('bench')
  .description('Measure the lab\'s sampler, tracer, load, harness and observer beside ss, netstat, /proc, autocannon and wrk; write results/bench-<time>.json.')
  .option('--quick', 'a small version that runs in seconds (CI runs it)')
  .option('--only <parts>', `measure only some parts: ${PARTS.join(', ')} (comma-separated)`, partList)
  .option('--out <file>', 'where to write the bench JSON (default: results/bench-<time>.json)', pathArgument('a file name'))
  .option('--json', 'print the bench JSON on stdout, and nothing else there')
  .addHelpText(
    'after',
    '\nTargets are reported as met or MISSED; they do not change the exit status.\n' +
      'Exit status: 0 it ran, 2 bad input, 3 the lab failed, 129/130/143 stopped by SIGHUP (terminal closed), SIGINT (Ctrl-C) or SIGTERM.',
  );

function benchFileName(startedAt: string): string {
  return `bench-${fileTimestamp(startedAt)}.json`;
}

/**
 * Each scenario in namespace mode, the default as root, where this process may make namespaces (else
 * on loopback); one that needs what this machine lacks (Go, Python's requests) is skipped, and said.
 */
async function benchHarness(plan: Plan): Promise<HarnessSection> {
  const { runnable: runs, skipped } = await runnableScenarios(plan.scenarios ?? (await scenarioNames()).map((name) => ({ name, args: [] })));
  for (const { scenario, why } of skipped) console.error(`> harness: ${scenario} skipped: it ${why}`);
  const netns = (await namespaceUnavailability()) === null ? ['--netns', 'on'] : [];
  const measure = (name: string, args: string[], why = '') => {
    console.error(`> harness: npm run scenario -- ${[name, ...args].join(' ')}${why}`);
    return measureScenario(name, args);
  };
  const scenarios: ScenarioCost[] = [];
  for (const run of runs) scenarios.push(await measure(run.name, [...run.args, ...netns]));
  const highest = scenarios.reduce<ScenarioCost | null>((top, s) => (top && top.load.observerShare >= s.load.observerShare ? top : s), null);
  const pace: ScenarioCost[] = [];
  for (const intervalMs of highest ? plan.paceIntervalsMs : []) {
    pace.push(await measure(highest!.scenario, [...highest!.args, '--interval-ms', String(intervalMs)], ' (the highest observer share, sampled less often)'));
  }
  console.error('> harness: the CLI\'s start (npm run scenario -- --list; node -e 0)');
  return { start: await measureStart(plan.starts), scenarios, pace, skipped };
}

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const options = program.opts<CliOptions>();
  const plan = PLANS[options.quick ? 'quick' : 'full'];
  const parts = new Set<Part>(options.only ?? PARTS);
  await checkMachine();
  const startedAt = new Date().toISOString();
  console.error(
    `bench${options.quick ? ' --quick' : ''}: ${[...parts].join(', ')}; ` +
      `piles of ${plan.sampler.sizes.map((x) => formatCount(x)).join(' / ')} TIME_WAIT; ${formatCount(plan.load.requests)} requests per load tool; ` +
        `rates of ${plan.load.rate.rates.map((x) => formatCount(x)).join(' / ')} a second for ${plan.load.rate.seconds} s each`,
  );

  const sampler = parts.has('sampler')
    ? await benchSampler(plan.sampler, (size) => console.error(`> sampler: ${formatCount(size)} TIME_WAIT sockets`))
    : null;
  if (parts.has('tracer')) console.error(`> tracer: ${formatCount(plan.tracer.connections)} connections on loopback`);
  const tracer = parts.has('tracer') ? await benchTracer(plan.tracer) : null;
  const load = parts.has('load') ? await benchLoad(plan.load, (tool) => console.error(`> load: ${tool}`)) : null;
  const harness = parts.has('harness') ? await benchHarness(plan) : null;
  if (parts.has('observe')) console.error(`> observe: npm run observe beside ss at 1 Hz, ${formatCount(plan.observe.rate)} new connections a second for ${plan.observe.seconds} s`);
  const observe = parts.has('observe') ? await benchObserve(plan.observe) : null;

  const result: BenchResult = {
    kind: 'timewait-lab-bench',
    schemaVersion: BENCH_SCHEMA_VERSION,
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: Boolean(options.quick),
    env: await readEnvironment(sampler?.where === 'own network namespaces'),
    sampler,
    tracer,
    load,
    harness,
    observe,
    targets: evaluateTargets(sampler, harness, observe),
  };
  const file = options.out ?? path.join(RESULTS_DIR, benchFileName(startedAt));
  await writeFileAtomically(file, validJsonText(result, benchProblems(result), 'bench file'), 'bench file');
  console.error(`\n${formatBench(result)}\n\nBench written to ${path.relative(process.cwd(), file) || file}`);
  if (options.json) console.log(JSON.stringify(result, null, 2));
  return EXIT.ok;
}

// Nothing the bench measured is kept when it is stopped: its processes end, no file is written.
const interruption = onStopSignals({
  windDown(signal) {
    console.error(`\nbench: interrupted by ${signal}; stopping its processes, no bench file written`);
    stopAndExit(STOP_SIGNALS[signal]);
  },
});

const code = await exitCodeOf('bench', () =>
  main(process.argv.slice(2)).catch((error: unknown) => {
    // After a signal, the processes it ended make main fail: the signal's handler reports and exits.
    if (interruption.exitCode !== undefined) return new Promise<number>(() => {});
    throw error;
  }),
);
// Ends the processes it started, then deletes its namespaces (harness/stage/netns.ts).
stopAndExit(code);
