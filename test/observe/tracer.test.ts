// The tracer on the real kernel: a tracing instance of its own with sock:inet_sock_set_state
// filtered on a port, real connections on loopback, the instance gone afterwards; without root it
// says why; a killed run's instance is found and removed (by npm run clean and by the next run), a
// live one's left alone; a run that ends while its tracer starts or runs leaves none.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as pause } from 'node:timers/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { labInstances, portFilter, startTracer, tracingUnavailability, TRACEFS } from '../../harness/observe/tracer.ts';
import type { StateChange } from '../../harness/observe/state-change.ts';
import { buildLedger } from '../../harness/observe/ledger.ts';
import { ROOT, runCli, scenarioCli } from '../support/helpers.ts';

const unavailable = await tracingUnavailability();
const skipped = unavailable ? ` (skipped: ${unavailable})` : '';
const instanceDir = (name: string) => path.join(TRACEFS, 'instances', name);

/** A server on loopback that accepts and ends each connection as `onConnection` says. */
async function server(onConnection: (socket: net.Socket) => void) {
  const listening = net.createServer(onConnection).listen(0, '127.0.0.1');
  await once(listening, 'listening');
  return { port: (listening.address() as net.AddressInfo).port, close: () => new Promise((r) => listening.close(r)) };
}

/** Connects, then ends the connection with a FIN (end) or a reset (resetAndDestroy) once the server's side is open. */
async function connectAndClose(port: number, how: 'fin' | 'reset') {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  if (how === 'fin') socket.end();
  else socket.resetAndDestroy();
  await once(socket, 'close');
}

describe.skipIf(unavailable !== null)(`tracing TCP state changes${skipped}`, () => {
  const servers: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  test('every connection to the port shows up, with the process that connected; other ports do not', async () => {
    const traced = await server((socket) => socket.on('end', () => socket.end()).resume());
    const other = await server((socket) => socket.on('end', () => socket.end()).resume());
    servers.push(traced, other);
    const changes: StateChange[] = [];
    const tracer = await startTracer({ label: 'test', filter: portFilter(traced.port), onChanges: (batch) => changes.push(...batch), everyMs: 50 });
    expect(existsSync(instanceDir(tracer.instance))).toBe(true);
    expect(tracer.instance).toMatch(new RegExp(`^twlab-${process.pid}-\\d+-test$`));
    for (let i = 0; i < 5; i++) await connectAndClose(traced.port, 'fin');
    await connectAndClose(other.port, 'fin');
    const losses = await tracer.stop();
    expect(losses).toEqual({ lost: 0, unknown: 0, firstUnknown: null });
    expect(existsSync(instanceDir(tracer.instance))).toBe(false);

    // Only the traced port: the kernel's filter dropped the other server's lines.
    expect(changes.every((c) => c.sport === traced.port || c.dport === traced.port)).toBe(true);
    const connects = changes.filter((c) => c.oldstate === 'CLOSE' && c.newstate === 'SYN_SENT');
    expect(connects).toHaveLength(5);
    // The connecting task is this process (its main thread: the thread id is the PID), named as it is.
    expect(new Set(connects.map((c) => c.pid))).toEqual(new Set([process.pid]));
    expect(new Set(connects.map((c) => c.task))).toEqual(new Set([readFileSync('/proc/self/comm', 'utf8').trimEnd()]));
    // The client closed first, with a FIN: 5 FIN_WAIT1 on the client's ends, 5 CLOSE_WAIT on the server's.
    expect(changes.filter((c) => c.dport === traced.port && c.newstate === 'FIN_WAIT1')).toHaveLength(5);
    expect(changes.filter((c) => c.sport === traced.port && c.newstate === 'CLOSE_WAIT')).toHaveLength(5);
  });

  test('a reset is ESTABLISHED > CLOSE, no FIN_WAIT1 anywhere', async () => {
    const traced = await server((socket) => socket.on('error', () => {}).resume());
    servers.push(traced);
    const changes: StateChange[] = [];
    const tracer = await startTracer({ label: 'reset', filter: portFilter(traced.port), onChanges: (batch) => changes.push(...batch) });
    await connectAndClose(traced.port, 'reset');
    await new Promise((r) => setTimeout(r, 50));
    await tracer.stop();
    expect(changes.filter((c) => c.newstate === 'FIN_WAIT1')).toEqual([]);
    expect(changes.filter((c) => c.oldstate === 'ESTABLISHED' && c.newstate === 'CLOSE').map((c) => (c.dport === traced.port ? 'client' : 'server'))).toEqual(['client', 'server']);
  });

  test('the ledger keeps the connections to its server: another\'s whose client port is the same number is traced and left out', async () => {
    const traced = await server((socket) => socket.on('end', () => socket.end()).resume());
    servers.push(traced);
    // Another server elsewhere on loopback, and a connection to it from port `traced.port` of another
    // address: the kernel's filter on the port lets its lines through, as in another namespace of the lab.
    const elsewhere = net.createServer((socket) => socket.on('end', () => socket.end()).resume()).listen(0, '127.0.0.2');
    await once(elsewhere, 'listening');
    servers.push({ close: () => new Promise((r) => elsewhere.close(r)) });
    const changes: StateChange[] = [];
    const tracer = await startTracer({ label: 'mixed', filter: portFilter(traced.port), onChanges: (batch) => changes.push(...batch), everyMs: 50 });
    await connectAndClose(traced.port, 'fin');
    const foreign = net.connect({ port: (elsewhere.address() as net.AddressInfo).port, host: '127.0.0.2', localAddress: '127.0.0.3', localPort: traced.port });
    await once(foreign, 'connect');
    foreign.end();
    await once(foreign, 'close');
    await new Promise((r) => setTimeout(r, 50));
    await tracer.stop();
    expect(changes.some((c) => c.saddr === '127.0.0.3' && c.sport === traced.port)).toBe(true);
    // By the port alone it would count as a connection of its own.
    expect(buildLedger(changes, { port: traced.port, address: null }, 0)).toHaveLength(2);
    const ledger = buildLedger(changes, { port: traced.port, address: '127.0.0.1' }, 0);
    expect(ledger.map((c) => [c.tuple.split('>')[1], c.ends, c.closedFirstBy])).toEqual([[`127.0.0.1:${traced.port}`, ['client', 'server'], 'client']]);
  });

  test('IPv6: connections to a server on ::1, both ends, closed first by the client', async () => {
    const listening = net.createServer((socket) => socket.on('end', () => socket.end()).resume()).listen(0, '::1');
    await once(listening, 'listening');
    servers.push({ close: () => new Promise((r) => listening.close(r)) });
    const port = (listening.address() as net.AddressInfo).port;
    const changes: StateChange[] = [];
    const tracer = await startTracer({ label: 'ipv6', filter: portFilter(port), onChanges: (batch) => changes.push(...batch), everyMs: 50 });
    for (let i = 0; i < 3; i++) {
      const socket = net.connect(port, '::1');
      await once(socket, 'connect');
      socket.end();
      await once(socket, 'close');
    }
    await new Promise((r) => setTimeout(r, 50));
    expect((await tracer.stop()).unknown).toBe(0);
    const ledger = buildLedger(changes, { port, address: '::1' }, 0);
    expect(ledger.map((c) => [c.tuple.replace(/\d+>/, 'P>'), c.ends, c.closedFirstBy, c.how])).toEqual(Array(3).fill([`::1:P>::1:${port}`, ['client', 'server'], 'client', 'fin']));
  });

  test('a process gone before its connect is read is named from the kernel\'s saved_cmdlines', async () => {
    const traced = await server((socket) => socket.on('end', () => socket.end()).resume());
    servers.push(traced);
    const changes: StateChange[] = [];
    // Read only at stop: the client has exited by then, and /proc has no comm for it.
    const tracer = await startTracer({ label: 'gone', filter: portFilter(traced.port), onChanges: (batch) => changes.push(...batch), everyMs: 60_000 });
    const child = execa('python3', ['-c', `import socket; socket.create_connection(('127.0.0.1', ${traced.port})).close()`]);
    await child;
    expect(existsSync(`/proc/${child.pid}`)).toBe(false);
    await tracer.stop();
    expect(changes.filter((c) => c.newstate === 'SYN_SENT').map((c) => [c.pid, c.task])).toEqual([[child.pid, 'python3']]);
  });

  test('holding the pages until the stop (a trial): nothing is handed over while it reads, every change at the stop, in time order, each connect named', async () => {
    const traced = await server((socket) => socket.on('end', () => socket.end()).resume());
    servers.push(traced);
    const batches: StateChange[][] = [];
    const tracer = await startTracer({ label: 'held', filter: portFilter(traced.port), holdUntilStop: true, onChanges: (batch) => batches.push(batch), everyMs: 20 });
    for (let i = 0; i < 3; i++) await connectAndClose(traced.port, 'fin');
    const child = execa('python3', ['-c', `import socket; socket.create_connection(('127.0.0.1', ${traced.port})).close()`]);
    await child;
    // Several reads have emptied the buffer meanwhile, and decoded nothing.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches).toEqual([]);
    expect(await tracer.stop()).toEqual({ lost: 0, unknown: 0, firstUnknown: null });
    expect(batches).toHaveLength(1);
    const [changes] = batches as [StateChange[]];
    expect(changes.map((c) => c.atMs)).toEqual(changes.map((c) => c.atMs).sort((a, b) => a - b));
    expect(buildLedger(changes, { port: traced.port, address: '127.0.0.1' }, 0)).toHaveLength(4);
    // This process's connects by its thread's name; the exited one's from saved_cmdlines.
    expect(changes.filter((c) => c.newstate === 'SYN_SENT').map((c) => c.task)).toEqual([...Array(3).fill(readFileSync(`/proc/${process.pid}/comm`, 'utf8').trimEnd()), 'python3']);
  });

  test("read in a wake the caller pays for: when its own timer is due within the caller's interval, and that timer is pushed back", async () => {
    const traced = await server((socket) => socket.on('end', () => socket.end()).resume());
    servers.push(traced);
    const connects: StateChange[] = [];
    const onChanges = (batch: StateChange[]) => connects.push(...batch.filter((c) => c.newstate === 'SYN_SENT'));
    const tracer = await startTracer({ label: 'test', filter: portFilter(traced.port), onChanges, everyMs: 2000 });
    try {
      await connectAndClose(traced.port, 'fin');
      // Not due within 100 ms (its timer fires 2 s after the start): nothing read.
      tracer.readIfDueWithin(100);
      expect(connects).toHaveLength(0);
      await pause(1500);
      // Due within the next 1,000 ms: read now, in this call.
      tracer.readIfDueWithin(1000);
      expect(connects).toHaveLength(1);
      // Its own timer, due 2 s after the start, now fires 2 s after that read: not 1 s from now.
      await connectAndClose(traced.port, 'fin');
      await pause(1000);
      expect(connects).toHaveLength(1);
      // It still fires when nobody calls: the second connection comes then.
      await pause(1500);
      expect(connects).toHaveLength(2);
    } finally {
      await tracer.stop();
    }
  });

  test('held pages past their budget: none kept, nothing handed over, and the stop says so', async () => {
    const traced = await server((socket) => socket.on('end', () => socket.end()).resume());
    servers.push(traced);
    const batches: StateChange[][] = [];
    const tracer = await startTracer({ label: 'budget', filter: portFilter(traced.port), holdUntilStop: true, heldBytesMax: 1, onChanges: (batch) => batches.push(batch), everyMs: 20 });
    for (let i = 0; i < 3; i++) await connectAndClose(traced.port, 'fin');
    expect(await tracer.stop()).toEqual({ lost: 0, unknown: 0, firstUnknown: null, heldTooMuch: true });
    expect(batches).toEqual([]);
  });

  test('a filter the kernel refuses is one line, and no instance stays', async () => {
    const before = (await labInstances()).filter((i) => i.ownerPid === process.pid);
    await expect(startTracer({ label: 'bad', filter: 'no_such_field == 1', onChanges: () => {} })).rejects.toThrow(/^the kernel refused the tracing filter 'no_such_field == 1'$/);
    expect((await labInstances()).filter((i) => i.ownerPid === process.pid)).toEqual(before);
  });

  test.each(['stop-while-starting', 'exit'])('a run that ends while its tracer starts or runs (%s) leaves no instance', async (how) => {
    for (let i = 0; i < 3; i++) {
      const child = await execa(process.execPath, ['test/fixtures/entries/tracer-then-exit.ts', how], { cwd: ROOT, reject: false, timeout: 20_000 });
      expect(child.exitCode, child.stderr).toBe(0);
      const prefix = child.stdout.trim();
      expect((await labInstances()).map((i) => i.name).filter((name) => name.startsWith(prefix))).toEqual([]);
    }
  });

  test('a run killed with SIGKILL leaves its instance; npm run clean removes it, and leaves a live run\'s', async () => {
    const live = await startTracer({ label: 'live', filter: 'dport == 1', onChanges: () => {} });
    const child = execa(process.execPath, ['test/fixtures/entries/tracer-then-wait.ts'], { cwd: ROOT, reject: false });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const left = line.toString().trim();
    child.kill('SIGKILL');
    await child;
    expect(existsSync(instanceDir(left))).toBe(true);
    const clean = await runCli('harness/commands/clean.ts', [], { timeout: 30_000 });
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(clean.stderr).toMatch(new RegExp(`^clean: removed \\d+ tracing instances left by killed runs: .*\\b${left}\\b`, 'm'));
    expect(clean.stderr).toMatch(new RegExp(`^clean: left alone, tracing for running lab runs: .*\\b${live.instance}\\b`, 'm'));
    expect(existsSync(instanceDir(left))).toBe(false);
    expect(existsSync(instanceDir(live.instance))).toBe(true);
    await live.stop();
  });

  test("the next run removes a killed run's instance before it starts", async () => {
    const child = execa(process.execPath, ['test/fixtures/entries/tracer-then-wait.ts'], { cwd: ROOT, reject: false });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const left = line.toString().trim();
    child.kill('SIGKILL');
    await child;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-next-run-'));
    try {
      const cli = await scenarioCli(['no-body-close', '--netns', 'off', '--requests', '20', '--out', path.join(dir, 'next.json')]);
      expect(cli.exitCode, cli.stderr).toBe(0);
      expect(cli.stderr).toMatch(new RegExp(`removed \\d+ tracing instances left by killed runs: .*\\b${left}\\b`));
      expect(existsSync(instanceDir(left))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test.runIf(process.getuid?.() === 0 && existsSync('/usr/bin/setpriv'))('run by an unprivileged user, the tracer says it needs root', async () => {
  const asNobody = await execa(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', "const m = await import('./harness/observe/tracer.ts'); console.log(await m.tracingUnavailability())"],
    { cwd: ROOT, reject: false },
  );
  expect(asNobody.stderr).toBe('');
  expect(asNobody.stdout).toBe('tracing TCP state changes needs root (tracefs); run as root (sudo npm run ...) for the connection ledger');
});
