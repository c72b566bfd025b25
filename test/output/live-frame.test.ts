// The live view: its pieces on known input, then the real CLI on a real pseudo-terminal (redraws in
// place, ends cleanly), on a pipe (a few plain lines) and with --quiet (the final table only).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newVariantView, plainDoneLine, plainProgressLine, rateLine, renderFrame, sparkline, updateView } from '../../harness/output/live-frame.ts';
import type { Result } from '../../harness/result/schema.ts';
import { finalScreen, inTerminal, scenarioCli, waitForOutput } from '../support/helpers.ts';
import { formatCount } from '../../harness/shared/numbers.ts';
import { figureLabel } from '../../harness/result/figures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'timewait-live-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sparkline', () => {
  it('scales to the given maximum: a full block at the maximum, the lowest block for zero', () => {
    expect(sparkline([0, 250, 500, 1000], 10, 1000)).toBe('▁▂▄█');
  });
  it('folds older values into at most `width` columns, each showing the largest value it covers', () => {
    expect(sparkline([0, 8, 0, 0, 8, 8], 3, 8)).toBe('█▁█');
  });
  it('stays flat under a scale set by another variant', () => {
    expect(sparkline([20, 20, 20], 10, 2000)).toBe('▁▁▁');
  });
});

describe('renderFrame', () => {
  it('never writes a line wider than the terminal, so redrawing in place never wraps', () => {
    const view = newVariantView({ name: 'bad', role: 'misconfigured', summary: 'x'.repeat(300) }, 4321, 2000);
    updateView(view, { type: 'sample', variant: null as never, sample: { tMs: 100, clientSide: { timeWait: 123_456 }, serverSide: {}, namespaceTimeWait: 0 } });
    for (const columns of [40, 80, 132]) {
      for (const line of renderFrame(view, { columns, color: false, scaleMax: 123_456 })) expect(line.length).toBeLessThan(columns);
    }
  });

  it('a measured client: no bar until it says how many requests it sends, and none made up when it says nothing', () => {
    const requestsLine = (view: ReturnType<typeof newVariantView>) => renderFrame(view, { columns: 100, color: false, scaleMax: 1 })[1]!;
    const progress = (done: number, total?: number) =>
      ({ type: 'progress', variant: null as never, progress: { done, failed: 0, elapsedMs: 500, ...(total !== undefined && { total }) } }) as const;
    const silent = newVariantView({ name: 'loop', role: 'measured', summary: 'curl' }, 4321, null);
    expect(requestsLine(silent)).toMatch(/^ {2}requests {5}counted by the server when the client is done {2}0\.0 s$/);
    const counting = newVariantView({ name: 'py', role: 'measured', summary: 'python3 client.py' }, 4321, null);
    updateView(counting, progress(120));
    expect(requestsLine(counting)).toMatch(/^ {2}requests {5}120 so far /);
    updateView(counting, progress(250, 1000));
    expect(requestsLine(counting)).toMatch(/^ {2}requests {5}█{10}░{30} {2}250 \/ 1,000 /);
  });
});

describe('a variant under a rate', () => {
  const summary = (rate: { achievedPerSec: number; dropped: number }) =>
    ({ requests: { ok: 300 - rate.dropped, failed: 0 }, durationMs: 1000, timeWait: {}, rate: { askedPerSec: 300, peakInFlight: 4, ...rate } }) as never;
  const running = () => {
    const view = newVariantView({ name: 'bad', role: 'misconfigured', summary: 's' }, 4321, 300, 1, 1, '127.0.0.1', { askedPerSec: 300, cap: 4 });
    updateView(view, { type: 'progress', variant: null as never, progress: { done: 140, failed: 0, elapsedMs: 500, started: 145, dropped: 5 } });
    return view;
  };

  it('shows the rate kept so far while it runs, and counts the dropped requests as settled', () => {
    const view = running();
    expect(rateLine(view.rate!)).toBe('290.0 of 300 requests/s started, 5 dropped so far');
    const lines = renderFrame(view, { columns: 120, color: false, scaleMax: 10 });
    expect(lines).toContain('  rate         290.0 of 300 requests/s started, 5 dropped so far');
    expect(lines[1]).toMatch(/ 145 \/ 300 {2}/);
    expect(plainProgressLine(view, 25)).toContain('; rate 290.0 of 300 requests/s started, 5 dropped so far; ');
  });

  it('says once done whether it held, and why not', () => {
    const held = running();
    updateView(held, { type: 'trial-done', variant: null as never, trial: 1, trials: 1, summary: summary({ achievedPerSec: 299.5, dropped: 0 }) });
    expect(plainDoneLine(held)).toContain('; rate held: 299.5 of 300 requests/s started, none dropped (at most 4 in flight at once); ');
    const dropped = running();
    updateView(dropped, { type: 'trial-done', variant: null as never, trial: 1, trials: 1, summary: summary({ achievedPerSec: 250, dropped: 50 }) });
    expect(renderFrame(dropped, { columns: 300, color: false, scaleMax: 10 }).join('\n')).toContain(
      '  rate         NOT held: 250.0 of 300 requests/s started (83%), 50 dropped: the cap of 4 requests in flight was reached when their time came',
    );
  });

  it('has no rate line in a closed loop', () => {
    const view = newVariantView({ name: 'bad', role: 'misconfigured', summary: 's' }, 4321, 300);
    expect(renderFrame(view, { columns: 120, color: false, scaleMax: 10 })).toHaveLength(4);
    expect(plainProgressLine(view, 25)).not.toContain('rate');
  });
});

describe('the CLI on a terminal', () => {
  it('redraws the live view in place while the variants run, keeps each finished frame, and gives the cursor back', async () => {
    const out = path.join(dir, 'live.json');
    const run = await inTerminal('harness/commands/scenario.ts', ['no-body-close', '--no-story', '--requests', '1000', '--out', out], { columns: 100 });
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(await readFile(out, 'utf8')) as Result;
    const raw = run.stdout;
    // Each redraw is one synchronized update of the lines that changed (log-update), the cursor hidden meanwhile.
    expect(raw.split('\x1b[?2026h').length - 1).toBeGreaterThanOrEqual(4);
    expect(raw.indexOf('\x1b[?25l')).toBeGreaterThan(-1);
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?2026h'));
    // What stays on screen: one finished frame per variant (every running frame was drawn over),
    // each with the variant's last sample, then the table.
    const screen = finalScreen(raw);
    const titles = screen.filter((l) => /^[▶■] /.test(l));
    expect(titles.map((l) => l.slice(0, l.indexOf(':')))).toEqual(
      result.variants.map((v) => `■ ${v.name} (${v.role}), done`),
    );
    for (const v of result.variants) {
      const frame = screen.slice(screen.findIndex((l) => l.startsWith(`■ ${v.name} `)));
      expect(frame[1]).toContain(`${formatCount(v.summary.requests.ok)} / ${formatCount(v.summary.requests.total)}`);
      expect(frame[2]).toContain(`client ${formatCount(v.summary.timeWait.clientSide.atEnd)}  server ${formatCount(v.summary.timeWait.serverSide.atEnd)}`);
    }
    // The misconfigured client's TIME_WAIT climbs in its sparkline; the fix's stays at the bottom.
    const sparklines = screen.filter((l) => /^ {2}TIME_WAIT {4}[▁-█]/.test(l));
    expect(sparklines[0]).toMatch(/▁[▂▃▄▅▆▇]*█/);
    expect(sparklines[1]).toMatch(/^ {2}TIME_WAIT {4}▁+ /);
    expect(screen.some((l) => l.includes(figureLabel('connectionsOpened')))).toBe(true);
    // Every line fits the 100 columns of this terminal, so no redraw could wrap.
    for (const line of screen.filter((l) => /^(▶|■|  requests|  TIME_WAIT)/.test(l))) expect(line.length).toBeLessThan(100);
  });

  it('Ctrl-C in the middle of a run stops it cleanly: exit 130, the cursor back, no result written', async () => {
    const out = path.join(dir, 'interrupted.json');
    const child = inTerminal('harness/commands/scenario.ts', ['no-body-close', '--no-story', '--requests', '100000', '--out', out]);
    // The live frame's socket line: the variant is running.
    await waitForOutput(child, 'ESTABLISHED');
    child.stdin!.write('\x03');
    const run = await child;
    child.stdin!.end();
    expect(run.exitCode).toBe(130);
    expect(run.stdout.lastIndexOf('\x1b[?25h')).toBeGreaterThan(run.stdout.lastIndexOf('\x1b[4F'));
    expect(finalScreen(run.stdout).map((l) => l.trimEnd())).toEqual(
      expect.arrayContaining(['scenario: interrupted by SIGINT; stopping the variant that runs (Ctrl-C again: at once)', 'scenario: no result written: no variant had finished']),
    );
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('the CLI on a pipe', () => {
  it('writes a few plain progress lines, without any escape sequence', async () => {
    const run = await scenarioCli(['no-body-close', '--no-story', '--out', path.join(dir, 'plain.json')]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).not.toContain('\x1b');
    const lines = run.stderr.split('\n');
    for (const variant of ['bad (misconfigured)', 'good (fix)']) {
      const start = lines.findIndex((l) => l.startsWith(`> ${variant}:`));
      const end = lines.findIndex((l, i) => i > start && l.startsWith('  done: '));
      expect(start).toBeGreaterThan(-1);
      expect(end).toBeGreaterThan(start);
      const progress = lines.slice(start + 1, end);
      expect(progress.length).toBeLessThanOrEqual(3);
      for (const line of progress) expect(line).toMatch(/^ {2}(25|50|75)%: [\d,]+ of 2,000 requests in [\d.]+ s; TIME_WAIT client [\d,]+, server [\d,]+; ESTABLISHED \d+$/);
    }
  });

  it('--quiet prints the final table and nothing before it', async () => {
    const run = await scenarioCli(['no-body-close', '--quiet', '--requests', '400', '--out', path.join(dir, 'quiet.json')]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr.startsWith('┌')).toBe(true);
    expect(run.stderr).not.toMatch(/What goes wrong|^> bad|requests per variant/m);
    expect(run.stderr).toMatch(/Result written to .*quiet\.json$/);
  });
});
