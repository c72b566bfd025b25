// The live view over a long run: the chart of TIME_WAIT folds the whole run into the terminal's
// width, draws the plateau a rate would hold as a line, and the frame says when the variant drains.
import { describe, expect, it } from 'vitest';
import { chart, newVariantView, plainDoneLine, plainDrainLine, renderFrame, sparkline, updateView } from '../../harness/output/live-frame.ts';
import type { Sample } from '../../harness/observe/sampler.ts';
import type { VariantSummary } from '../../harness/result/schema.ts';

const sample = (tMs: number, tw: number): Sample => ({ tMs, clientSide: { timeWait: tw }, serverSide: {}, namespaceTimeWait: tw });
const event = <T>(e: T) => ({ variant: null as never, ...e });

describe('chart', () => {
  it('is the sparkline in one line', () => {
    expect(chart([0, 250, 500, 1000], 10, 1, 1000)).toEqual([sparkline([0, 250, 500, 1000], 10, 1000)]);
  });

  it('stacks the blocks over several lines, top line first, each column at least its lowest eighth', () => {
    expect(chart([0, 50, 100], 3, 2, 100)).toEqual(['  █', '▁██']);
  });

  it('draws a value across the whole width where the columns do not reach it, in the line that holds it', () => {
    const [top, bottom] = chart([0, 50, 100], 6, 2, 100, 75);
    expect(top).toBe('┈┈█┈┈┈');
    expect(bottom).toBe('▁██');
  });

  it('folds a long run into the width: each column shows the largest value it covers', () => {
    const values = Array.from({ length: 1500 }, (_, i) => (i < 600 ? i : i < 1200 ? 600 : 0));
    const [line] = chart(values, 60, 1, 600);
    expect(line).toHaveLength(60);
    expect(line!.at(-1)).toBe('▁');
    expect(line!.slice(24, 48)).toBe('█'.repeat(24));
  });
});

describe('the frame of a rate that outlasts TIME_WAIT', () => {
  const view = () => {
    const v = newVariantView({ name: 'bad', role: 'misconfigured', summary: 'x'.repeat(120) }, 4321, 21_600, 1, 1, '198.18.0.1', { askedPerSec: 300, cap: 200 }, {
      count: 18_000,
      because: '300/s × 60 s',
    });
    for (let t = 0; t <= 72_000; t += 100) updateView(v, event({ type: 'sample' as const, sample: sample(t, Math.min(18_300, 3 * (t / 10))) }));
    return v;
  };

  it('draws the chart in 4 lines with the expected plateau across it, and its words when the terminal has room', () => {
    const lines = renderFrame(view(), { columns: 100, color: false, scaleMax: 18_300 });
    const chartLines = lines.slice(-4);
    expect(chartLines[0]).toMatch(/^ {2}TIME_WAIT {4}/);
    const withLine = chartLines.find((l) => l.includes('┈'))!;
    expect(withLine.endsWith('┈ 18,000 = 300/s × 60 s')).toBe(true);
    for (const columns of [40, 60, 100, 160]) {
      for (const line of renderFrame(view(), { columns, color: false, scaleMax: 18_300 })) expect(line.length, `${columns}: ${line}`).toBeLessThan(columns);
    }
  });

  it('says the load is done and the drain goes on, then how long TIME_WAIT took to go', () => {
    const v = view();
    updateView(v, event({ type: 'progress' as const, progress: { done: 21_600, failed: 0, elapsedMs: 72_000, started: 21_600, dropped: 0 } }));
    updateView(v, event({ type: 'load-done' as const, loadMs: 72_000, drainLimitMs: 75_000 }));
    expect(renderFrame(v, { columns: 160, color: false, scaleMax: 18_300 })[0]).toMatch(/^▶ bad \(misconfigured\), draining \(at most 75\.0 s\) after 21,600 ok, 0 failed in 72\.0 s: /);
    expect(plainDrainLine(v)).toBe('  load done in 72.0 s; sampling on until TIME_WAIT is gone (at most 75.0 s): TIME_WAIT client 18,300, server 0');
    const summary = {
      requests: { ok: 21_600, failed: 0 },
      durationMs: 72_000,
      timeWait: { drain: { zeroAfterMs: 61_400 } },
    } as unknown as VariantSummary;
    updateView(v, event({ type: 'trial-done' as const, trial: 1, trials: 1, summary }));
    expect(renderFrame(v, { columns: 160, color: false, scaleMax: 18_300 })[0]).toMatch(/^■ bad \(misconfigured\), done: 21,600 ok, 0 failed in 72\.0 s, TIME_WAIT gone 61\.4 s later: /);
    expect(plainDoneLine(v)).toMatch(/; TIME_WAIT peak 18,300; TIME_WAIT gone 61\.4 s after the load$/);
  });
});
