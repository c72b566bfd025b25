// The comparison core on result files made by real runs of the lab (test/fixtures/results/).
import { describe, expect, test } from 'vitest';
import { compareResults, differences, groupByScenario, type ScenarioComparison } from '../../harness/compare/compare.ts';
import { readResult } from '../../harness/result/read.ts';
import { loadFixture, v1FixturePath } from '../support/results-fixtures.ts';

const [first, second, concurrency10, single, tinyPool] = await Promise.all(
  [
    'no-body-close-1.json',
    'no-body-close-2.json',
    'no-body-close-3-concurrency-10.json',
    'no-body-close-4-single-trial.json',
    'tiny-pool.json',
  ].map(loadFixture),
);

const row = (c: ScenarioComparison, variant: string, figure: string) =>
  c.variants.find((v) => v.name === variant)!.figures.find((f) => f.figure === figure)!;

describe('compareResults', () => {
  test('runs are ordered oldest first, whatever order the files come in', () => {
    const comparison = compareResults([second!, first!]);
    expect(comparison.runs.map((r) => r.file)).toEqual([first!.file, second!.file]);
    expect(comparison.runs.map((r) => r.trials)).toEqual([3, 3]);
  });

  test('the misconfigured client opens one connection per request in both runs: no change, every trial equal', () => {
    const opened = row(compareResults([first!, second!]), 'bad', 'connectionsOpened');
    expect(opened.values).toEqual([300, 300]);
    expect(opened.changes[0]).toEqual({
      absolute: 0,
      percent: 0,
      judgement: { verdict: 'not-significant', pValue: 1, test: 'constant' },
    });
  });

  test('halving the concurrency halves the connections of the fix, significantly, and the settings say why', () => {
    const comparison = compareResults([first!, concurrency10!]);
    const opened = row(comparison, 'good', 'connectionsOpened');
    // The fix keeps one connection per worker: as many as the concurrency, in every trial.
    expect(opened.values).toEqual([20, 10]);
    expect(opened.changes[0]).toMatchObject({ absolute: -10, percent: -50, judgement: { verdict: 'significant' } });
    expect(comparison.differences[0]).toContainEqual({ field: 'params.load.concurrency', before: 20, after: 10 });
  });

  test('against a single trial the change cannot be judged', () => {
    const rps = row(compareResults([first!, single!]), 'good', 'reqPerSec');
    expect(rps.spreads[0]).not.toBeNull();
    expect(rps.spreads[1]).toBeNull();
    expect(rps.changes[0]!.judgement).toMatchObject({ verdict: 'cannot-judge' });
  });

  test('a figure named by a threshold is shown after the key figures', () => {
    const comparison = compareResults([first!, second!], ['kernel.timeWaitOverflow', 'connectionsOpened']);
    const figures = comparison.variants[0]!.figures.map((f) => f.figure);
    expect(figures.at(-1)).toBe('kernel.timeWaitOverflow');
    expect(figures.filter((f) => f === 'connectionsOpened')).toHaveLength(1);
  });

  test('three runs give two changes per figure, each from one run to the next', () => {
    const comparison = compareResults([first!, second!, concurrency10!]);
    const opened = row(comparison, 'good', 'connectionsOpened');
    expect(opened.values).toEqual([20, 20, 10]);
    expect(opened.changes.map((c) => c!.absolute)).toEqual([0, -10]);
    expect(comparison.differences.map((d) => d.some((x) => x.field === 'params.load.concurrency'))).toEqual([false, true]);
  });
});

describe('a version 1 result beside a version 2 one', () => {
  test('compare figure by figure; what version 1 did not count has no value and no change', async () => {
    const v1 = { file: v1FixturePath('no-body-close-1.json'), result: await readResult(v1FixturePath('no-body-close-1.json')) };
    const comparison = compareResults([first!, v1], ['connectionsReset']);
    expect(comparison.runs.map((r) => r.file)).toEqual([v1.file, first!.file]);
    // Both are 300 requests at concurrency 20: one connection per request, one per worker.
    expect(row(comparison, 'bad', 'connectionsOpened').values).toEqual([300, 300]);
    expect(row(comparison, 'good', 'connectionsOpened').values).toEqual([20, 20]);
    const reset = row(comparison, 'bad', 'connectionsReset');
    expect(reset.values).toEqual([null, first!.result.variants[0]!.summary.connectionsReset]);
    expect(reset.spreads[0]).toBeNull();
    expect(reset.changes).toEqual([null]);
    // Version 1 ran on loopback without a choice; the fixtures since run with --netns auto.
    expect(comparison.differences[0]).toContainEqual({ field: 'params.topology.netns', before: 'off', after: 'auto' });
  });
});

describe('differences', () => {
  test('same machine, same settings: nothing in the environment differs', () => {
    expect(differences(first!.result, second!.result)).toEqual([]);
  });

  test('a different tcp_tw_reuse, Node version and CPU count are each listed', () => {
    const other = structuredClone(second!.result);
    other.env.sysctl.tcp_tw_reuse = '0';
    other.env.node = 'v26.0.0';
    other.env.cpus = 64;
    expect(differences(first!.result, other)).toEqual([
      { field: 'env.node', before: first!.result.env.node, after: 'v26.0.0' },
      { field: 'env.cpus', before: first!.result.env.cpus, after: 64 },
      { field: 'env.sysctl.tcp_tw_reuse', before: first!.result.env.sysctl.tcp_tw_reuse, after: '0' },
    ]);
  });
});

describe('groupByScenario', () => {
  test('groups by scenario, each group oldest first', () => {
    const groups = groupByScenario([tinyPool!, single!, first!, concurrency10!]);
    expect([...groups.keys()]).toEqual(['no-body-close', 'tiny-pool']);
    expect(groups.get('no-body-close')!.map((f) => f.file)).toEqual([first!.file, concurrency10!.file, single!.file]);
  });
});
