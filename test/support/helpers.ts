// Shared by the tests: run the real CLI as a child process, as a user would.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { namespaceUnavailability } from '../../harness/stage/netns.ts';
import { resultProblems, type Result, type VariantSummary } from '../../harness/result/schema.ts';
import type { ServerMessage } from '../../harness/shapes/server-protocol.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliOptions {
  timeout?: number;
  env?: Record<string, string>;
  /** Run it with this limit of open files (soft and hard: Node raises its soft limit to the hard one), through util-linux prlimit. */
  openFiles?: number;
  /** Another copy of the lab to run (default: this one). */
  root?: string;
  /** Run it as this user (util-linux runuser; the tests run as root). */
  runAs?: string;
}

/** `npm run scenario -- ...args`, without npm: the same Node, the same entry point. */
export function runCli(entry: string, args: string[], options: CliOptions = {}) {
  const root = options.root ?? ROOT;
  const command = [process.execPath, path.join(root, entry), ...args];
  const limited = options.openFiles === undefined ? command : ['prlimit', `--nofile=${options.openFiles}`, ...command];
  const [file, ...rest] = options.runAs === undefined ? limited : ['runuser', '-u', options.runAs, '--', ...limited];
  return execa(file!, rest, {
    cwd: root,
    reject: false,
    stdin: 'ignore',
    timeout: options.timeout ?? 120_000,
    env: options.env,
  });
}

export const scenarioCli = (args: string[], options?: Parameters<typeof runCli>[2]) => runCli('harness/commands/scenario.ts', args, options);

/** `npm run measure -- ...args`, without npm. */
export const measureCli = (args: string[], options?: Parameters<typeof runCli>[2]) => runCli('harness/commands/measure.ts', args, options);

let markers = 0;
/** A word no other process has in its command line: a client's escaped processes carry one, for running() to find them. */
export const processMarker = () => `twlab-marker-${process.pid}-${++markers}-${Date.now() % 100_000}`;

/**
 * The PIDs of the processes whose command line matches `pattern` (pgrep -f, an extended regular
 * expression; a marker matches itself; pgrep reads /proc: every session, every namespace), but
 * `cli`'s, which was given it.
 */
export async function running(pattern: string, cli?: number): Promise<number[]> {
  const { stdout } = await execa('pgrep', ['-f', pattern], { reject: false });
  return stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== cli);
}

/** A client loop of requests in a session of its own (setsid), out of the client's process group, named by `marker` (a shell command for --client). */
export const escapingLoop = (marker: string, pauseS = 0.1) => `setsid sh -c 'while :; do curl -s -o /dev/null "$TARGET_URL"; sleep ${pauseS}; done' ${marker}`;

/**
 * Waits up to `limitMs` for the loop of `escapingLoop(marker)` itself to run, not for a process
 * that merely holds its text for a moment or for good (a measurement first has `sh -n` parse a
 * --client command, harness/load/command-check.ts, and the shell that runs it holds it too);
 * resolves with its PIDs, empty if it never ran.
 */
export async function untilLoopRuns(marker: string, limitMs: number): Promise<number[]> {
  const loop = `^sh -c while .* ${marker}$`;
  for (const end = performance.now() + limitMs; performance.now() < end; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const pids = await running(loop);
    if (pids.length > 0) return pids;
  }
  return running(loop);
}

/** `npm run server -- ...args`, without npm. */
export const serverCli = (args: string[]) => runCli('harness/commands/server.ts', args, { timeout: 10_000 });

/** The standalone server (`npm run server -- --port 0 ...args`), once it has printed its listening line. */
export async function standaloneServer(args: string[]) {
  const child = execa(process.execPath, ['harness/commands/server.ts', '--port', '0', ...args], { cwd: ROOT, reject: false, stdin: 'ignore' });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    child.then((exited) => reject(new Error(`the server exited: ${exited.stderr}`)), reject);
  });
  return { child, listening: JSON.parse(line) as Extract<ServerMessage, { type: 'listening' }> };
}

/** The scenario CLI running, for a test that acts on it while it runs (signals, faults). */
export function startScenarioCli(args: string[]) {
  const cli = runCli('harness/commands/scenario.ts', args);
  let stderr = '';
  const waiting = new Set<{ seen: () => boolean; resolve: () => void }>();
  cli.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of waiting) if (w.seen()) waiting.delete(w), w.resolve();
  });
  return {
    cli,
    stderr: () => stderr,
    /** Resolves once what the CLI wrote on stderr contains `text`; rejects if it exits first. */
    waitForStderr(text: string | RegExp): Promise<void> {
      const seen = () => (typeof text === 'string' ? stderr.includes(text) : text.test(stderr));
      if (seen()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiting.add({ seen, resolve });
        cli.then(() => reject(new Error(`exited before writing "${text}"; it wrote:\n${stderr}`)), reject);
      });
    },
  };
}

/** The processes descending from `pid` (through `ip netns exec` too), each with its command line. */
export async function descendants(pid: number): Promise<{ pid: number; command: string }[]> {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name in (parentheses) may hold spaces: the parent PID is the second field after it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(Number(entry), ppid);
    commands.set(Number(entry), (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim());
  }
  const found: { pid: number; command: string }[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) if (ppid === parent) found.push({ pid: child, command: commands.get(child)! }), visit(child);
  };
  visit(pid);
  return found;
}
export const compareCli = (args: string[], options?: Parameters<typeof runCli>[2]) => runCli('harness/commands/compare.ts', args, options);

/**
 * Why this user cannot run the tests that need network namespaces (not root), or null when it can.
 * In CI they must run: there a reason is an error instead.
 */
export async function namespacesMissing(): Promise<string | null> {
  const reason = await namespaceUnavailability();
  if (reason && process.env.CI) throw new Error(`CI runs the network namespace tests, but this process cannot create namespaces: ${reason}`);
  return reason;
}

/**
 * Why this process cannot mount a tmpfs (not root, no CAP_SYS_ADMIN), or null when it can (tried
 * for real). The tests of full and read-only filesystems need one: as root, chmod does not stop a
 * write. In CI they must run: there a reason is an error instead.
 */
export async function tmpfsMissing(): Promise<string | null> {
  const fs = await mountTmpfs('size=4k').catch((error: unknown) => String((error as { stderr?: string }).stderr || error).trim());
  if (typeof fs === 'string' && process.env.CI) throw new Error(`CI runs the tests on full and read-only filesystems, but this process cannot mount a tmpfs: ${fs}`);
  if (typeof fs === 'string') return fs;
  await fs.unmount();
  return null;
}

/** A tmpfs mounted with `options` (`ro`, `size=16k`) on a fresh temporary folder; unmount() removes both. */
export async function mountTmpfs(options: string): Promise<{ dir: string; unmount(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-tmpfs-'));
  try {
    await execa('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    unmount: async () => {
      await execa('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * `node <entry> ...args` on a real pseudo-terminal of `columns` × `rows`, through util-linux
 * `script` (part of every Debian base system): the program sees a TTY on stdin, stdout and stderr;
 * what it draws comes out on this process's stdout, and keystrokes written to stdin reach it.
 */
export function inTerminal(entry: string, args: string[], { columns = 100, rows = 40, timeout = 120_000 } = {}) {
  const command = `stty cols ${columns} rows ${rows}; exec ${[process.execPath, path.join(ROOT, entry), ...args].map(quote).join(' ')}`;
  return execa('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd: ROOT,
    reject: false,
    stdin: 'pipe',
    timeout,
  });
}

/** Resolves once `text` has appeared in what the process wrote to stdout so far. */
export function waitForOutput(child: ReturnType<typeof execa>, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.then(() => reject(new Error(`exited before writing "${text}"; it wrote:\n${seen}`)), reject);
  });
}

/** The text without colours and cursor movements (ECMA-48 CSI sequences). */
export const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/**
 * The lines a terminal shows once `raw` has been written to it, for the sequences the lab and
 * log-update write (ECMA-48): text, newlines, CSI n A / B (up, down), CSI n F (to the start of the
 * line n lines up), CSI G (to the first column), CSI K and 2K (erase to the end of the line, the
 * whole line), CSI J (erase to the end of the screen), CSI 2 J (erase the screen) and CSI H (to the
 * top); colours and other sequences leave no text. Lines longer than the screen are not wrapped,
 * and it does not scroll.
 */
export function finalScreen(raw: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let column = 0;
  const moveTo = (to: number) => {
    row = Math.max(0, to);
    for (let r = lines.length; r <= row; r++) lines.push('');
  };
  for (const [, csi, final, text] of raw.matchAll(/\x1b\[([0-9;?]*)([A-Za-z])|([^\x1b]+|\x1b)/g)) {
    const n = Number(csi || 1);
    if (final === 'A') moveTo(row - n);
    else if (final === 'B') moveTo(row + n);
    else if (final === 'F') (moveTo(row - n), (column = 0));
    else if (final === 'G') column = 0;
    else if (final === 'H') (row = 0), (column = 0);
    else if (final === 'K') lines[row] = csi === '2' ? '' : lines[row]!.slice(0, column);
    else if (final === 'J' && (csi === '2' || csi === '3')) lines.splice(0, lines.length, ...lines.map(() => ''));
    else if (final === 'J') lines.splice(row + 1), (lines[row] = lines[row]!.slice(0, column));
    else if (text) {
      for (const [i, part] of text.split('\n').entries()) {
        if (i > 0) (moveTo(row + 1), (column = 0));
        // A carriage return goes back to the first column; what follows overwrites.
        for (const piece of part.split('\r').map((p, j) => [j, p] as const)) {
          if (piece[0] > 0) column = 0;
          const line = lines[row]!.padEnd(column);
          lines[row] = line.slice(0, column) + piece[1] + line.slice(column + piece[1].length);
          column += piece[1].length;
        }
      }
    }
  }
  return lines;
}

/**
 * Runs a scenario through the real CLI with small loads, as a user would, and returns its result,
 * after checking that it ran to the end with every claim held (exit 0), that the result it printed is
 * the one it wrote, and that it honours the result contract.
 */
export async function runScenarioOk(name: string, requests: number, concurrency?: number, options: string[] = []): Promise<Result> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-e2e-'));
  const out = path.join(dir, `${name}.json`);
  const load = ['--requests', String(requests), ...(concurrency ? ['--concurrency', String(concurrency)] : [])];
  const cli = await scenarioCli([name, ...load, ...options, '--json', '--out', out]);
  expect(cli.stderr).toContain('Verdict:');
  expect(cli.exitCode, String(cli.stderr)).toBe(0);
  const printed = JSON.parse(String(cli.stdout)) as Result;
  expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(printed);
  expect(resultProblems(printed)).toEqual([]);
  await rm(dir, { recursive: true, force: true });
  return printed;
}

/** That a CLI refused its input: exit `code`, one line on stderr matching `message`, no stack trace, nothing on stdout. */
export function expectRefusal(cli: { exitCode?: number; stderr: unknown; stdout: unknown }, code: number, message: RegExp | string) {
  const stderr = String(cli.stderr);
  expect(cli.exitCode, stderr).toBe(code);
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  if (typeof message === 'string') expect(lines[0]).toBe(message);
  else expect(lines[0]).toMatch(message);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(cli.stdout).toBe('');
}

/** A variant's summary in a result, by name; throws when the result lacks it. */
export function summaryOf(result: Result, variant: string): VariantSummary {
  const found = result.variants.find((v) => v.name === variant);
  if (!found) throw new Error(`the result has no variant ${variant}`);
  return found.summary;
}
