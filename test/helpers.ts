// Shared by the tests: run the real CLI as a child process, as a user would.
import path from 'node:path';
import { execa } from 'execa';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** `npm run scenario -- ...args`, without npm: the same Node, the same entry point. */
export function runCli(entry: string, args: string[], options: { timeout?: number; env?: Record<string, string> } = {}) {
  return execa(process.execPath, [path.join(ROOT, entry), ...args], {
    cwd: ROOT,
    reject: false,
    stdin: 'ignore',
    timeout: options.timeout ?? 120_000,
    env: options.env,
  });
}

export const scenarioCli = (args: string[], options?: Parameters<typeof runCli>[2]) => runCli('harness/cli.ts', args, options);
