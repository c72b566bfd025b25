// `npm run server`: the lab's server by itself, through the real command. Its flags come from the one
// declaration of the settings (harness/shapes/server-settings.ts); what it is started with is what it does and what
// its control endpoint reports; bad input is one line and exit 2.
import { access, readFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { serverSettingsSchema, type ServerSettings } from '../../harness/shapes/server-settings.ts';
import type { ControlReport } from '../../harness/shapes/server-protocol.ts';
import { isAlive } from '../../harness/process/pids.ts';
import { ROOT, serverCli, standaloneServer } from '../support/helpers.ts';

describe('bad input: one line naming the option and what it accepts, exit 2, nothing listens', () => {
  test.each([
    [['--bogus'], /^server: unknown option '--bogus'$/],
    [['--port', '99999'], /^server: option '--port <n>' argument '99999' is invalid\. expected a port from 0 to 65535\.$/],
    [['--port', '-1'], /^server: option '--port <n>' argument '-1' is invalid\. expected a port from 0 to 65535\.$/],
    [['--control-port', '1.5'], /^server: option '--control-port <n>' argument '1\.5' is invalid\. expected a port from 0 to 65535\.$/],
    [['--body-bytes', '99999999999'], /^server: option '--body-bytes <n>' argument '99999999999' is invalid\. expected a whole number from 0 to 67,108,864\.$/],
    [['--keep-alive-timeout-ms', '0'], /^server: option '--keep-alive-timeout-ms <n>' argument '0' is invalid\. expected a whole number from 1 to /],
    [['--after-response', 'linger'], /^server: option '--after-response <value>' argument 'linger' is invalid\. Allowed choices are keep-alive, close, reset\.$/],
    [['stray'], /^server: too many arguments/],
  ])('%j', async (args, message) => {
    const cli = await serverCli(args);
    expect(cli.exitCode).toBe(2);
    expect(cli.stdout).toBe('');
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr.trim()).toMatch(message);
  });
});

test('--help names a flag for every setting, with its default', async () => {
  const cli = await serverCli(['--help']);
  expect(cli.exitCode).toBe(0);
  for (const name of Object.keys(serverSettingsSchema.shape)) {
    const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    expect(cli.stdout).toMatch(new RegExp(`--(no-)?${flag}\\b`));
  }
  expect(cli.stdout).toMatch(/--body-bytes <n>\s+Size of each response body, in bytes\.\s+\(default: 1024\)/);
});

/** One GET on a connection of its own: the status, the body's length, and the Connection header. */
function getOnce(port: number): Promise<{ bytes: number; connection?: string; keepAlive?: string | string[] }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ bytes, connection: res.headers.connection, keepAlive: res.headers['keep-alive'] }));
      })
      .on('error', reject);
  });
}

test('every setting given on the command line is what the server does and what its control endpoint reports', async () => {
  // A value other than the default for every setting of plain HTTP (TLS and HTTP/2: test/servers/tls-server.test.ts).
  const given: ServerSettings = {
    bodyBytes: 777,
    responseDelayMs: 3,
    keepAliveTimeoutMs: 1234,
    keepAliveTimeoutBufferMs: 0,
    keepAliveHint: false,
    afterResponse: 'close',
    tls: false,
    http2: false,
  };
  const { child, listening } = await standaloneServer([
    '--control-port', '0', '--body-bytes', '777', '--response-delay-ms', '3', '--keep-alive-timeout-ms', '1234',
    '--keep-alive-timeout-buffer-ms', '0', '--no-keep-alive-hint', '--after-response', 'close',
  ]);
  try {
    expect(Object.keys(given).sort()).toEqual(Object.keys(serverSettingsSchema.shape).sort());
    const response = await getOnce(listening.port);
    expect(response).toEqual({ bytes: 777, connection: 'close', keepAlive: undefined });
    const report = (await (await fetch(`http://127.0.0.1:${listening.controlPort}/`)).json()) as ControlReport;
    expect(report.settings).toEqual(given);
    expect(report.stats).toMatchObject({ connectionsAccepted: 1, requestsServed: 1 });
  } finally {
    child.kill();
    await child;
  }
});

test('at its open files limit it closes each new connection at once and goes on serving (a variant\'s server stops instead)', async () => {
  // Its limit of open files, through util-linux prlimit: maxConnections is the limit less the 32 a
  // process keeps for itself (harness/shapes/open-files-limit.ts).
  const LIMIT = 64;
  const child = execa('prlimit', [`--nofile=${LIMIT}`, process.execPath, 'harness/commands/server.ts', '--port', '0'], { cwd: ROOT, reject: false, stdin: 'ignore' });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const sockets: net.Socket[] = [];
  try {
    const { port } = JSON.parse(await new Promise<string>((resolve) => child.stdout!.once('data', (c: Buffer) => resolve(c.toString())))) as { port: number };
    // Idle connections, as a peer that opens many and sends nothing: more than it may hold.
    for (let i = 0; i < LIMIT; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve).once('close', resolve));
    }
    await expect.poll(() => stderr, { timeout: 10_000 }).toContain(`http-server: ${LIMIT - 32} connections open, the most its limit of ${LIMIT} allows, ulimit -Hn: closing new connections until some end`);
    // prlimit execs the server: its PID is the server's.
    expect(await isAlive(child.pid!)).toBe(true);
    // Those it shed are closed; those it holds are open.
    await expect.poll(() => sockets.filter((s) => s.destroyed || s.readableEnded).length).toBeGreaterThanOrEqual(LIMIT - (LIMIT - 32));
    for (const socket of sockets) socket.destroy();
    // Once they end, it serves again.
    await expect.poll(async () => (await getOnce(port).catch(() => null))?.bytes, { timeout: 10_000 }).toBe(1024);
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill();
    await child;
  }
});

test('--tls --http2: HTTPS with a CA it names on its line and removes when stopped; HTTP/2 by ALPN, its streams counted', async () => {
  const { child, listening } = await standaloneServer(['--tls', '--http2', '--control-port', '0']);
  const { caFile } = listening as unknown as { caFile: string };
  try {
    const ca = await readFile(caFile, 'utf8');
    // A client that offers h2 speaks HTTP/2; the certificate is valid for 127.0.0.1 and signed by that CA.
    const session = http2.connect(`https://127.0.0.1:${listening.port}`, { ca });
    const status = await new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':path': '/' });
      stream.on('response', (headers) => resolve(Number(headers[':status']))).on('error', reject).resume();
    });
    session.close();
    expect(status).toBe(200);
    const report = (await (await fetch(`http://127.0.0.1:${listening.controlPort}/`)).json()) as ControlReport;
    expect(report.settings).toMatchObject({ tls: true, http2: true });
    expect(report.stats).toMatchObject({ tlsHandshakes: 1, tlsResumed: 0, http2Connections: 1, http2Streams: 1, requestsServed: 1 });
  } finally {
    child.kill();
    await child;
  }
  await expect(access(caFile)).rejects.toThrow(/ENOENT/);
});

test('--http2 without --tls is refused in one line, exit 2', async () => {
  const cli = await serverCli(['--http2']);
  expect(cli.exitCode).toBe(2);
  expect(cli.stderr.trim()).toMatch(/^server: server settings: http2 needs tls: [^\n]+$/);
});
