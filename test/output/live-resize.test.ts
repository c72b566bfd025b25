// The live view through a resize, on a real terminal emulator: tmux runs the CLI in a 100-column
// window, the window shrinks to 60 columns while the misconfigured variant runs (with the lab stopped,
// so that its next frame may come before it hears of the resize, as on a busy machine), and what tmux shows
// afterwards (its screen and scrollback, as capture-pane reads them) holds one frame per variant,
// each line of it within the new width: the frame was redrawn in place at once, not left behind in
// copies of the old width.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, test } from 'vitest';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { ROOT } from '../support/helpers.ts';

const noTmux = (await execa('tmux', ['-V'], { reject: false })).exitCode === 0 ? null : 'tmux is not on PATH (apt-get install tmux)';
const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-resize-'));
/** A tmux server of this test's own (-L), with no configuration of the user's (-f /dev/null). */
const server = `twlab-resize-${process.pid}`;
const tmux = (args: string[]) => execa('tmux', ['-L', server, '-f', '/dev/null', ...args], { reject: false, timeout: 10_000 });
afterAll(async () => {
  await tmux(['kill-server']);
  await rm(dir, { recursive: true, force: true });
});

/** What the pane shows, its scrollback included, one string per row. */
const screen = async () => (await tmux(['capture-pane', '-p', '-t', 'lab', '-S', '-'])).stdout.split('\n');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(seen: (rows: string[]) => boolean, withinMs: number): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (let rows = await screen(); ; rows = await screen()) {
    if (seen(rows) || Date.now() > deadline) return rows;
    await pause(100);
  }
}

test.skipIf(noTmux)('a terminal that shrinks mid-run: the frame is redrawn in place at the new width, one per variant', { timeout: 90_000 }, async () => {
  const out = path.join(dir, 'r.json');
  const run = [process.execPath, path.join(ROOT, 'harness/commands/scenario.ts'), 'no-body-close', '--no-story', '--netns', 'off', '--rate', '100', '--duration', '4', '--out', out];
  // The shell stays after the run, so that its screen can be read; kill-server ends it.
  const command = `${run.map((w) => `'${w}'`).join(' ')}; echo "exit $?"; sleep 120`;
  expect((await tmux(['new-session', '-d', '-s', 'lab', '-x', '100', '-y', '50', '-c', ROOT, command])).exitCode).toBe(0);
  // The misconfigured variant runs and has made requests.
  const running = await until((rows) => rows.some((r) => /^ {2}requests .* [1-9][\d,]* \/ 400/.test(r)), 45_000);
  expect(running.some((r) => r.startsWith('▶ bad'))).toBe(true);
  // The lab is stopped while the window shrinks, so that it is busy when the terminal reflows.
  const shell = (await tmux(['list-panes', '-t', 'lab', '-F', '#{pane_pid}'])).stdout.trim();
  const children = (await execa('pgrep', ['-P', shell], { reject: false })).stdout.trim();
  // One PID, the lab's: never 0 (Number('')), which would stop this test's own process group.
  expect(children).toMatch(/^[1-9]\d*$/);
  const lab = Number(children);
  process.kill(lab, 'SIGSTOP');
  try {
    await pause(300);
    expect((await tmux(['resize-window', '-t', 'lab', '-x', '60'])).exitCode).toBe(0);
    await pause(300);
  } finally {
    process.kill(lab, 'SIGCONT');
  }
  const rows = await until((r) => r.some((row) => /^exit \d+$/.test(row)), 60_000);
  expect(rows.find((r) => /^exit \d+$/.test(r))).toBe('exit 0');
  const result = JSON.parse(await readFile(out, 'utf8')) as Result;
  expect(resultProblems(result)).toEqual([]);
  // One finished frame per variant, no running frame left over, and no copy of a frame's rows.
  const frames = rows.map((r, i) => [r, i] as const).filter(([r]) => /^[▶■] /.test(r));
  expect(frames.map(([r]) => r.slice(0, r.indexOf(':')))).toEqual(result.variants.map((v) => `■ ${v.name} (${v.role}), done`));
  expect(rows.filter((r) => /^ {2}requests /.test(r))).toHaveLength(result.variants.length);
  for (const [, at] of frames) {
    // Each frame's rows are whole lines of at most 60 columns: the one after the title is its requests line.
    expect(rows[at + 1]).toMatch(/^ {2}requests /);
    for (const row of rows.slice(at, at + 4)) expect(row.length).toBeLessThanOrEqual(60);
  }
});
