// Bad input through the real CLI: each is refused in one line that says what was wrong and what is
// accepted, with the right exit code, no stack trace, nothing started or left running, no result.
import { cp, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CLIENT_SYSCTLS } from '../../harness/scenario/client-sysctls.ts';
import type { Result } from '../../harness/result/schema.ts';
import { labProcesses } from '../support/global-setup.ts';
import { formatCount } from '../../harness/shared/numbers.ts';
import { expectRefusal, ROOT, scenarioCli, type CliOptions } from '../support/helpers.ts';

const outDir = await mkdtemp(path.join(os.tmpdir(), 'twlab-bad-input-'));
const out = path.join(outDir, 'result.json');
// Refusals run at once, and each probes the folder with a `.write-check.<pid>.tmp` of its own that
// it removes: another run's may be there for a moment. Once all have run, nothing may be left.
afterEach(async () => expect((await readdir(outDir)).filter((name) => !name.startsWith('.write-check.'))).toEqual([]));
afterAll(async () => {
  const left = await readdir(outDir);
  await rm(outDir, { recursive: true, force: true });
  expect(left).toEqual([]);
  expect(await labProcesses()).toEqual([]);
});

/** Runs the CLI with `args` and checks that it refused them: `code`, one line matching `message`, no stack trace. */
async function refused(args: string[], code: number, message: RegExp | string, options?: CliOptions) {
  expectRefusal(await scenarioCli([...args, '--out', out], options), code, message);
}

describe('numbers: not a number, zero, negative, absurdly large', () => {
  // [option, what it accepts]: every numeric option of the scenario CLI.
  const accepted: [string, string][] = [
    ['--requests', 'a whole number from 1 to 200,000'],
    ['--concurrency', 'a whole number from 1 to 5,000'],
    ['--rate', 'a whole number from 1 to 50,000'],
    ['--duration', 'a number of seconds above 0 and at most 3,600, e.g. 4 or 0.5'],
    ['--max-in-flight', 'a whole number from 1 to 5,000'],
    ['--body-bytes', 'a whole number from 0 to 67,108,864'],
    ['--interval-ms', 'a whole number from 10 to 60,000'],
    ['--time-limit-s', 'a whole number from 1 to 3,600'],
    ['--repeat', 'a whole number from 1 to 100'],
    ['--control-port', 'a port from 1 to 65535'],
  ];
  const values = ['abc', '0', '-5', '99999999999999999999'];
  const cases = [
    ...accepted.flatMap(([option, accepts]) =>
      values.filter((value) => !(option === '--body-bytes' && value === '0')).map((value) => [option, value, accepts] as const),
    ),
    // Numbers JavaScript would take, but not whole ones as written.
    ['--requests', '1.5', accepted[0]![1]] as const,
    ['--requests', '1e3', accepted[0]![1]] as const,
    ['--interval-ms', '5', accepted[6]![1]] as const,
    ['--duration', '1e3', accepted[3]![1]] as const,
  ];

  test.concurrent.each(cases)('%s %s is refused: %s', async (option, value, accepts) => {
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await refused(['no-body-close', option, value], 2, new RegExp(`^scenario: option '${option} <\\w+>' argument '${escaped(value)}' is invalid\\. expected ${escaped(accepts)}\\.$`));
  });

  test('--body-bytes 0 is accepted (an empty body)', async () => {
    const cli = await scenarioCli(['no-body-close', '--body-bytes', '0', '--explain']);
    expect(cli.exitCode, cli.stderr).toBe(0);
  });
});

describe('a rate: the options of the open model, refused where they contradict each other', () => {
  test.concurrent.each([
    [
      ['--rate', '100', '--concurrency', '5'],
      'scenario: --concurrency has no meaning with --rate: requests start on a schedule, whether earlier ones were answered or not; cap those in flight with --max-in-flight',
    ],
    [['--max-in-flight', '5'], 'scenario: --max-in-flight caps requests in flight under a rate; give --rate too (without a rate, --concurrency sets the requests in flight)'],
    [['--duration', '2'], 'scenario: --duration is the length of a load under a rate; give --rate too (without a rate, the load is a count: --requests)'],
    [['--rate', '100', '--duration', '2', '--requests', '10'], "scenario: option '--duration <s>' cannot be used with option '--requests <n>'"],
    [
      ['--rate', '50000', '--duration', '3600'],
      'scenario: --rate 50,000 a second for --duration 3600 s makes 180,000,000 requests; a run takes from 1 to 200,000 requests (rate × duration)',
    ],
    [['--rate', '1', '--duration', '0.1'], 'scenario: --rate 1 a second for --duration 0.1 s makes 0 requests; a run takes from 1 to 200,000 requests (rate × duration)'],
  ])('%j', async (args, message) => {
    await refused(['no-body-close', ...args], 2, message);
  });
});

describe('every problem at once: the plan of a run (harness/run/plan.ts) names them all in one refusal', () => {
  test('an unknown scenario and contradicting options, and a result that cannot be written there', async () => {
    const names = (await readdir(path.join(ROOT, 'scenarios'))).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3)).sort();
    const cli = await scenarioCli(['no-such-scenario', '--rate', '100', '--concurrency', '5', '--out', path.join(ROOT, 'package.json', 'result.json')]);
    expectRefusal(
      cli,
      2,
      `scenario: unknown scenario "no-such-scenario"; known scenarios: ${names.join(', ')}; ` +
        '--concurrency has no meaning with --rate: requests start on a schedule, whether earlier ones were answered or not; cap those in flight with --max-in-flight; ' +
        `cannot write results to ${path.join(ROOT, 'package.json')} (ENOTDIR: not a directory); choose another place with --out <file> or --out-dir <folder>`,
    );
  });

  test("a valid scenario's load contradicted twice: both contradictions in one line", async () => {
    await refused(['no-body-close', '--max-in-flight', '5', '--duration', '2'], 2, /^scenario: --max-in-flight caps requests in flight under a rate; .*; --duration is the length of a load under a rate; give --rate too/);
  });
});

/** Runs the CLI quietly under a limit of `openFiles` open files; the result it printed. */
async function runUnderFileLimit(args: string[], openFiles: number): Promise<Result> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-file-limit-'));
  const cli = await scenarioCli(['no-body-close', ...args, '--netns', 'off', '--quiet', '--json', '--out', path.join(dir, 'r.json')], { openFiles });
  await rm(dir, { recursive: true, force: true });
  expect(cli.exitCode, cli.stderr).toBe(0);
  return JSON.parse(cli.stdout) as Result;
}

describe('open files: a concurrency the file limit cannot hold is refused before anything starts', () => {
  test.each([
    [['--requests', '10000', '--concurrency', '5000'], '--concurrency', 5_000, '10,032', 16_384],
    [['--rate', '100', '--max-in-flight', '600'], '--max-in-flight', 600, '1,232', 2_048],
  ])('%j names the need, the limit and both ways out', async (args, flag, inFlight, needed, enough) => {
    await refused(
      ['no-body-close', ...args, '--netns', 'off'],
      2,
      `scenario: ${flag} ${formatCount(inFlight)} needs about ${needed} open files per process (two for each of ${formatCount(inFlight)} requests in flight, 32 for the process itself) ` +
        `but the limit is 1,024 (ulimit -Hn); raise it (ulimit -n ${enough}) or lower ${flag}`,
      { openFiles: 1024 },
    );
  });

  test("a scenario's own concurrency too (tiny-pool: bursts of 50), with the default --netns", async () => {
    await refused(['tiny-pool'], 2, /^scenario: tiny-pool's concurrency of 50 needs about 132 open files per process .* but the limit is 100 \(ulimit -Hn\); raise it \(ulimit -n 256\)/, {
      openFiles: 100,
    });
  });

  test('requests in flight never exceed the requests: --concurrency 5000 with 10 requests fits, and runs', async () => {
    const result = await runUnderFileLimit(['--requests', '10', '--concurrency', '5000'], 100);
    expect(result.params.load!.concurrency).toBe(5000);
    expect(result.variants.map((v) => v.summary.requests.ok)).toEqual([10, 10]);
  });

  test('under a rate without --max-in-flight, the cap is what the file limit holds', async () => {
    const result = await runUnderFileLimit(['--rate', '200', '--requests', '20'], 100);
    // (100 − 32 of its own) / 2 files per request in flight.
    expect(result.params.load).toMatchObject({ pattern: 'rate', rate: 200, requests: 20, concurrency: 34 });
  });
});

describe('--sysctl: only the allowed names, only values the kernel accepts', () => {
  const names = Object.keys(CLIENT_SYSCTLS).join(', ');
  test.concurrent.each([
    ['net.ipv4.nope=1', `scenario: option '--sysctl <name=value>' argument 'net.ipv4.nope=1' is invalid. net.ipv4.nope is not a sysctl the lab sets; it sets: ${names}.`],
    ['x;rm -rf /=1', `scenario: option '--sysctl <name=value>' argument 'x;rm -rf /=1' is invalid. x;rm -rf / is not a sysctl the lab sets; it sets: ${names}.`],
    ['net.ipv4.tcp_tw_reuse=7', `scenario: option '--sysctl <name=value>' argument 'net.ipv4.tcp_tw_reuse=7' is invalid. net.ipv4.tcp_tw_reuse must be 0, 1 or 2, got "7".`],
    ['net.ipv4.tcp_tw_reuse=1;reboot', `scenario: option '--sysctl <name=value>' argument 'net.ipv4.tcp_tw_reuse=1;reboot' is invalid. net.ipv4.tcp_tw_reuse must be 0, 1 or 2, got "1;reboot".`],
    ['net.ipv4.tcp_tw_reuse', `scenario: option '--sysctl <name=value>' argument 'net.ipv4.tcp_tw_reuse' is invalid. expected name=value, e.g. net.ipv4.tcp_tw_reuse=0, got "net.ipv4.tcp_tw_reuse".`],
  ])('--sysctl %s', async (setting, message) => {
    await refused(['no-body-close', '--sysctl', setting], 2, message);
  });
});

describe('--target', () => {
  test('a server that cannot be reached is refused before the run', async () => {
    // A port nothing listens on: bound, then released.
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const target = `http://127.0.0.1:${port}/`;
    await refused(['no-body-close', '--target', target], 2, `scenario: --target ${target} cannot be reached (connect ECONNREFUSED 127.0.0.1:${port}); start the server or check the URL`);
  });

  test("without a control endpoint, for a scenario that claims the server's own counts", async () => {
    await refused(['abortive-close', '--target', 'http://127.0.0.1:1/'], 2, /^scenario: scenario abortive-close claims what the server saw \(connections it saw reset\), .*: add --control-port/);
  });

  test('a URL that is not http', async () => {
    await refused(['no-body-close', '--target', 'https://127.0.0.1/'], 2, /argument 'https:\/\/127\.0\.0\.1\/' is invalid\. expected an http URL of a server/);
  });
});

describe('--listen', () => {
  test.concurrent.each([
    [['--listen', 'localhost'], /argument 'localhost' is invalid\. expected an IP address of this host, like 127\.0\.0\.2, ::1 or 0\.0\.0\.0\.$/],
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of a real host.
    [['--listen', '192.0.2.1', '--netns', 'off'], /--listen 192\.0\.2\.1 is not an address of this host; it accepts 127\.0\.0\.0\/8, ::1, 0\.0\.0\.0, :: or an address of one of its interfaces$/],
    [['--listen', '127.0.0.2', '--netns', 'on'], /--listen runs the server on this host's loopback, not in network namespaces: drop --netns on or --listen$/],
    [['--listen', '127.0.0.2', '--target', 'http://127.0.0.1:1/'], /--listen sets the address of the server the lab starts; with --target it starts none: drop --listen$/],
    [['--listen', '127.0.0.2', '--sysctl', 'net.ipv4.tcp_tw_reuse=0'], /--sysctl sets sysctls in the client namespace .*, so it cannot run with --listen/],
  ])('%j', async (args, message) => {
    await refused(['no-body-close', ...args], 2, message);
  });

  test('with a scenario that needs namespaces of its own', async () => {
    await refused(['port-exhaustion', '--listen', '127.0.0.2'], 2, /^scenario: scenario port-exhaustion sets sysctls in a client namespace of its own .*, so it cannot run with --listen/);
  });
});

test('not Linux: one line pointing to the container, exit 2', async () => {
  // The real CLI, told by a module loaded before it that this is macOS.
  const darwin = "--import=data:text/javascript,Object.defineProperty(process,'platform',{value:'darwin'})";
  await refused(
    ['no-body-close'],
    2,
    'scenario: timewait-lab measures the Linux kernel and cannot run on darwin; use the docker-compose setup: docker compose run --rm lab npm run scenario no-body-close',
    { env: { NODE_OPTIONS: darwin } },
  );
});

describe('a scenario file that is not valid', () => {
  // A copy of the lab with more scenario files: the shipped scenarios/ folder stays as it is.
  let copy: string;
  const broken = (name: string, source: string) => writeFile(path.join(copy, 'scenarios', `${name}.ts`), source);
  beforeAll(async () => {
    copy = await mkdtemp(path.join(os.tmpdir(), 'twlab-copy-'));
    for (const part of ['harness', 'servers', 'scenarios', 'clients', 'package.json']) await cp(path.join(ROOT, part), path.join(copy, part), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  });
  afterAll(() => rm(copy, { recursive: true, force: true }));

  test('lists every problem at once, in one line', async () => {
    await broken(
      'broken',
      `import { defineScenario } from '../harness/scenario/contract.ts';
export default defineScenario({
  name: 'broken',
  summary: 'two\\nlines',
  explanation: { problem: 'p', why: 'w', fix: 'f' },
  server: { bodyBytes: -1, responseDelayMs: 0, keepAliveTimeoutMs: 5000 },
  load: { requests: 0, concurrency: 20, pattern: 'steady', burstGapMs: 0 },
  variants: [{ name: 'bad', role: 'misconfigured', summary: 's', makeClient: () => ({ request: async () => 200, close() {} }) }],
  claims: [{ variant: 'nope', metric: 'connectionsOpened', atMost: 1 }],
});
`,
    );
    const cli = await scenarioCli(['broken', '--out', out], { root: copy });
    expect(cli.exitCode, cli.stderr).toBe(2);
    const lines = cli.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^scenario: scenarios\/broken\.ts is not a valid scenario: /);
    for (const problem of [/summary: must be one line/, /server\.bodyBytes: /, /load\.requests: /, /variants: needs at least one fix variant/, /claims\.0\.variant: names no variant/]) {
      expect(lines[0]).toMatch(problem);
    }
  });

  test.each([
    ['throws', "throw new Error('no such setting');\n", 'scenario: scenarios/throws.ts cannot be loaded: Error: no such setting'],
    ['unparsable', 'export default {\n', /^scenario: scenarios\/unparsable\.ts cannot be loaded: SyntaxError: /],
  ])('a file that cannot even be loaded (%s) is named, without our stack', async (name, source, message) => {
    await broken(name, source);
    await refused([name], 2, message, { root: copy });
  });
});
