// `npm run server`: the lab's server by itself, through the real command. Its flags come from the one
// declaration of the settings (servers/settings.ts); what it is started with is what it does and what
// its control endpoint reports; bad input is one line and exit 2.
import http from 'node:http';
import { describe, expect, test } from 'vitest';
import { serverSettingsSchema, type ServerSettings } from '../../servers/settings.ts';
import type { ControlReport } from '../../servers/protocol.ts';
import { serverCli, standaloneServer } from '../support/helpers.ts';

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
  // A value other than the default for every setting.
  const given: ServerSettings = {
    bodyBytes: 777,
    responseDelayMs: 3,
    keepAliveTimeoutMs: 1234,
    keepAliveTimeoutBufferMs: 0,
    keepAliveHint: false,
    afterResponse: 'close',
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
