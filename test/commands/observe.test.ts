// `npm run observe` on the real kernel, each test in network namespaces of its own (the host's has
// other programs' traffic): the lab's server inside, a bounded loop of curl processes against it, the
// observation checked against the server's own count of connections in the window. Each loop of
// curl takes a second or two on an idle machine; the windows leave room for a busy one, since a loop
// that spills past the window would be counted short.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNamespace, createPair, deleteNamespace, deletePair, SERVER_ADDRESS, type NamespacePair } from '../../harness/stage/netns.ts';
import { labInstances } from '../../harness/observe/tracer.ts';
import { observationProblems, type Observation } from '../../harness/host/observation-schema.ts';
import { inTerminal, namespacesMissing, ROOT, runCli } from '../support/helpers.ts';

const missing = await namespacesMissing();
const ENTRY = 'harness/commands/observe.ts';
const observeCli = (args: string[], options?: Parameters<typeof runCli>[2]) => runCli(ENTRY, args, { timeout: 60_000, ...options });

let dir: string;
const namespaces: string[] = [];
const pairs: NamespacePair[] = [];
const stops: (() => Promise<unknown>)[] = [];

async function namespace(role: string): Promise<string> {
  const name = await createNamespace(role);
  namespaces.push(name);
  return name;
}

/** The lab's server inside namespace `ns` (`ip netns exec` execs node: the PID is the server's), with its control endpoint. */
async function serverIn(ns: string, host = '127.0.0.1') {
  const child = execa('ip', ['netns', 'exec', ns, process.execPath, path.join(ROOT, 'harness/commands/server.ts'), '--host', host, '--port', '0', '--control-port', '0'], { cwd: ROOT, reject: false, stdin: 'ignore' });
  stops.push(async () => (child.kill(), await child));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    child.then((ended) => reject(new Error(`the server exited: ${ended.stderr}`)), reject);
  });
  const { port, controlPort } = JSON.parse(line) as { port: number; controlPort: number };
  const accepted = async () => {
    const { stdout } = await execa('ip', ['netns', 'exec', ns, 'curl', '-s', `http://127.0.0.1:${controlPort}/`]);
    return (JSON.parse(stdout) as { stats: { connectionsAccepted: number } }).stats.connectionsAccepted;
  };
  return { pid: child.pid!, port, url: `http://${host}:${port}/`, accepted };
}

/** `n` requests in namespace `ns`: one curl process each (loop), or one curl with all the URLs (one). */
function curls(ns: string, url: string, n: number, how: 'loop' | 'one') {
  const script = how === 'loop' ? `for i in $(seq ${n}); do curl -s -o /dev/null "$0"; done` : `curl -s $(for i in $(seq ${n}); do printf -- "-o /dev/null %s " "$0"; done)`;
  return execa('ip', ['netns', 'exec', ns, 'sh', '-c', script, url], { timeout: 20_000 });
}

/** Runs observe; once it says it reads, `during()` runs; then the observation file, parsed and checked against its schema. */
async function observeWhile(args: string[], during: (cli: ReturnType<typeof runCli>) => Promise<unknown> = async () => {}, options?: Parameters<typeof runCli>[2]) {
  const out = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  const cli = observeCli([...args, '--out', out], options);
  let stderr = '';
  const reading = new Promise<void>((resolve) => cli.stderr!.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), stderr.includes('observe: reading') && resolve())));
  await Promise.race([reading, cli]);
  await during(cli);
  const ended = await cli;
  const text = await readFile(out, 'utf8').catch(() => null);
  const observation = text === null ? null : (JSON.parse(text) as Observation);
  if (observation) expect(observationProblems(observation)).toEqual([]);
  return { ended, observation };
}

describe.skipIf(missing !== null)(`npm run observe${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-observe-'));
    await chmod(dir, 0o777);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    for (const ns of namespaces) await deleteNamespace(ns);
    for (const pair of pairs) await deletePair(pair);
    await rm(dir, { recursive: true, force: true });
  });

  test('a loop of curl processes: the destination, the count the server saw, the process curl, the client closing first, the pattern', async () => {
    const ns = await namespace('obs-loop');
    const server = await serverIn(ns);
    const before = await server.accepted();
    const { ended, observation } = await observeWhile(['--netns', ns, '--duration', '8', '--port', String(server.port), '--json', '--expect', 'connectionsPerSecond <= 1000'], () => curls(ns, server.url, 40, 'loop'));
    const accepted = (await server.accepted()) - before;
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(JSON.parse(ended.stdout)).toEqual(observation);
    const row = observation!.rows.find((r) => r.direction === 'outbound')!;
    expect(row.destination).toBe(`127.0.0.1:${server.port}`);
    // Every connection the server accepted in the window, and no other.
    expect(row.newConnections).toBe(accepted);
    expect(row.perSecond).toBeCloseTo(accepted / observation!.windowS);
    if (observation!.traced) {
      expect(row.process?.name).toBe('curl');
      expect(row.process?.processes).toBeGreaterThan(1);
    }
    expect(row.closedFirst).toMatchObject({ local: accepted, remote: 0 });
    expect(row.pattern).toBe('closesFirst');
    expect(row.diagnosis).toMatch(/keepalive-disabled/);
    // Loopback with tcp_tw_reuse = 2 (a fresh namespace's default): the ports hold.
    expect(row.budget).toMatchObject({ ports: 28_232, twReuse: true, exhaustedInS: null });
    expect(observation!.churns).toBe(true);
  });

  test('the same requests through one curl with many URLs: one connection, no pattern; --pid observes the namespace of that PID; an --expect that fails: exit 1', async () => {
    const ns = await namespace('obs-one');
    const server = await serverIn(ns);
    const before = await server.accepted();
    const args = ['--pid', String(server.pid), '--duration', '6', '--port', String(server.port), '--expect', 'connectionsPerSecond >= 1'];
    const { ended, observation } = await observeWhile(args, () => curls(ns, server.url, 40, 'one'));
    expect(ended.exitCode, ended.stderr).toBe(1);
    expect(ended.stderr).toMatch(/^observe: --expect 'connectionsPerSecond >= 1' did not hold \(measured 0\.\d+: the most new connections a second of any destination\)$/m);
    expect(observation!.namespace).toMatchObject({ kind: 'pid', pid: server.pid });
    const row = observation!.rows.find((r) => r.direction === 'outbound')!;
    expect(row.newConnections).toBe((await server.accepted()) - before);
    expect(row.newConnections).toBe(1);
    expect(row.pattern).toBeNull();
    expect(observation!.churns).toBe(false);
    expect(ended.stderr).toMatch(/nothing churns/);
  });

  test('two hosts, a range of 100 ports and no tcp_tw_reuse off loopback: the ports run out, and it says when', async () => {
    const pair = await createPair();
    pairs.push(pair);
    await execa('ip', ['netns', 'exec', pair.client, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=40000 40099']);
    const server = await serverIn(pair.server, SERVER_ADDRESS);
    const before = await server.accepted();
    const { ended, observation } = await observeWhile(['--netns', pair.client, '--duration', '8', '--remote', `${SERVER_ADDRESS}:${server.port}`], () => curls(pair.client, server.url, 20, 'loop'));
    expect(ended.exitCode, ended.stderr).toBe(0);
    const row = observation!.rows[0]!;
    expect(row.destination).toBe(`${SERVER_ADDRESS}:${server.port}`);
    expect(row.newConnections).toBe((await server.accepted()) - before);
    expect(observation!.sysctls).toMatchObject({ portRangeLow: 40_000, portRangeHigh: 40_099, twReuse: 2 });
    // Each connection holds its port for 60 s: the ports in use are the connections made, all in TIME_WAIT.
    expect(row.budget).toMatchObject({ ports: 100, inUse: row.newConnections, twReuse: false });
    expect(row.budget!.plateau).toBeGreaterThanOrEqual(100);
    expect(row.budget!.exhaustedInS).toBeCloseTo((100 - row.newConnections) / (row.closedFirst.local / observation!.windowS));
    expect(row.pattern).toBe('portsRunOut');
    expect(row.diagnosis).toMatch(/they run out in about \d+ s/);
  });

  test('an idle namespace: a short "nothing churns"', async () => {
    const ns = await namespace('obs-idle');
    const { ended, observation } = await observeWhile(['--netns', ns, '--duration', '2']);
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(observation!.rows).toEqual([]);
    expect(observation!.summary).toMatch(/^nothing churns in network namespace twlab-.*-obs-idle: no destination got 1 new connection a second or more over 2\.\d s \(0 sockets in TIME_WAIT\)$/);
  });

  test('on a terminal: the live view of the busiest destinations, redrawn in place every second', async () => {
    const ns = await namespace('obs-tty');
    const server = await serverIn(ns);
    const out = path.join(dir, 'tty.json');
    const cli = inTerminal(ENTRY, ['--netns', ns, '--duration', '6', '--port', String(server.port), '--out', out], { columns: 100, timeout: 60_000 });
    // Once it reads, a loop of curl processes: the frame names their destination.
    await new Promise<void>((resolve) => cli.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('observing network namespace') && resolve()));
    await curls(ns, server.url, 10, 'loop');
    const { stdout, exitCode } = await cli;
    expect(exitCode, stdout).toBe(0);
    const frames = stdout.split(/observing network namespace twlab-\S+-obs-tty: /).slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    // Each redraw goes back up over the last frame (ECMA-48 CPL) and erases it.
    expect(stdout).toMatch(/\x1b\[\d+F\x1b\[J/);
    expect(frames.at(-1)).toContain(`to   127.0.0.1:${server.port}`);
  });

  test('as a user without root: the socket table and counters of the namespace, no process, and it says what it could not read', async () => {
    const ns = await namespace('obs-user');
    const server = await serverIn(ns);
    const before = await server.accepted();
    const { ended, observation } = await observeWhile(
      ['--pid', String(server.pid), '--duration', '6', '--port', String(server.port)],
      () => curls(ns, server.url, 20, 'loop'),
      { runAs: 'nobody' },
    );
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(observation!.traced).toBe(false);
    expect(observation!.sysctls).toBeNull();
    expect(ended.stderr).toMatch(/not read: the namespace's sysctls/);
    expect(ended.stderr).toMatch(/not read: which process opened each connection/);
    const row = observation!.rows.find((r) => r.direction === 'outbound')!;
    // Each connection curl closed first sits in TIME_WAIT for 60 s: the table over time sees every one.
    expect(row.newConnections).toBe((await server.accepted()) - before);
    expect(row.process).toBeNull();
    expect(row.pattern).toBe('closesFirst');
  });

  test('Ctrl-C: exit 130, the observation read so far written, no tracing instance left', async () => {
    const ns = await namespace('obs-int');
    let pid = 0;
    const { ended, observation } = await observeWhile(['--netns', ns, '--duration', '30'], async (cli) => {
      pid = cli.pid!;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      cli.kill('SIGINT');
    });
    expect(ended.exitCode).toBe(130);
    expect(observation).toMatchObject({ endedBy: 'interrupted' });
    expect(observation!.windowS).toBeLessThan(30);
    expect((await labInstances()).filter((i) => i.ownerPid === pid)).toEqual([]);
  });

  test('an observed PID that exits ends the observation with what was read', async () => {
    const ns = await namespace('obs-exit');
    const sleeper = execa('ip', ['netns', 'exec', ns, 'sleep', '6'], { reject: false });
    const { ended, observation } = await observeWhile(['--pid', String(sleeper.pid), '--duration', '20']);
    await sleeper;
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(observation).toMatchObject({ endedBy: 'gone', endedBecause: `PID ${sleeper.pid} exited` });
    expect(observation!.windowS).toBeLessThan(15);
  });
});

describe('npm run observe: bad input is one line and exit 2', () => {
  for (const [args, message] of [
    [['--pid', '4194303'], /^observe: --pid 4194303: no process has that PID; give the PID of a running process/],
    [['--netns', 'twlab-no-such-namespace'], /^observe: --netns twlab-no-such-namespace: no such network namespace/],
    [['--duration', 'soon'], /^observe: option '--duration <seconds>' argument 'soon' is invalid\. expected a number of seconds above 0/],
    [['--remote', 'example.com'], /argument 'example.com' is invalid\. expected an IP address/],
    [['--expect', 'speed < 3'], /"speed" is not a figure; figures: connectionsPerSecond/],
  ] as const) {
    test(args.join(' '), async () => {
      const ended = await observeCli([...args]);
      expect(ended.exitCode).toBe(2);
      expect(ended.stderr.trim().split('\n')).toHaveLength(1);
      expect(ended.stderr).toMatch(message);
    });
  }
});
