// Ctrl-C (or SIGTERM) in the middle of a run: the server and client processes end, no result is written.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { labProcesses } from './global-setup.ts';
import { ROOT } from './helpers.ts';

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during a variant stops everything, writes nothing, exits %i', async (signal, exitCode) => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'twlab-sigint-'));
  const cli = execa(process.execPath, ['harness/cli.ts', 'no-body-close', '--requests', '200000', '--out', path.join(outDir, 'r.json')], {
    cwd: ROOT,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
  // Wait until the first variant's load is running, then press Ctrl-C.
  let stderr = '';
  await new Promise<void>((resolve) => {
    cli.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('\n> bad')) resolve();
    });
  });
  const during = await labProcesses();
  expect(during.some((p) => p.includes('servers/http-server.ts'))).toBe(true);
  cli.kill(signal);
  const result = await cli;
  expect(result.exitCode).toBe(exitCode);
  expect(result.stderr).toContain(`interrupted by ${signal}`);
  expect(await labProcesses()).toEqual([]);
  expect(readdirSync(outDir)).toEqual([]);
});
