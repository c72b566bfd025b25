// Scenario definitions are validated strictly, and every problem is reported at once.
import { expect, test } from 'vitest';
import { loadAllScenarios } from '../harness/catalog.ts';
import { scenarioProblems, times } from '../harness/scenario.ts';

test('every shipped scenario is valid, named after its file, with a misconfigured variant and a fix', async () => {
  const scenarios = await loadAllScenarios();
  expect(scenarios.length).toBeGreaterThanOrEqual(3);
  for (const s of scenarios) {
    expect(scenarioProblems(s)).toEqual([]);
    expect(s.variants.map((v) => v.role)).toEqual(expect.arrayContaining(['misconfigured', 'fix']));
  }
});

test('a broken definition gets every problem listed, in the author\'s terms', () => {
  const problems = scenarioProblems({
    name: 'Bad Name',
    summary: 'two\nlines',
    explanation: { problem: 'p', why: 'w', fix: 'f' },
    server: { bodyBytes: -1, responseDelayMs: 0, keepAliveTimeoutMs: 5000 },
    load: { requests: 0, concurrency: 20, pattern: 'steady', burstGapMs: 0, extra: 1 },
    variants: [
      { name: 'bad', role: 'misconfigured', summary: 's', makeClient: () => ({}) },
      { name: 'bad', role: 'misconfigured', summary: 's', makeClient: () => ({}) },
    ],
    claims: [{ variant: 'nope', metric: 'connectionsOpened', atMost: times(1, 'concurrency') }, { variant: 'bad', metric: 'connectionsOpened' }],
  });
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^name: must be kebab-case/),
      expect.stringMatching(/^summary: must be one line/),
      expect.stringMatching(/^server\.bodyBytes: /),
      expect.stringMatching(/^load\.requests: /),
      expect.stringMatching(/^load: .*extra/),
      expect.stringMatching(/^variants: variant names must be unique/),
      expect.stringMatching(/^variants: needs at least one fix variant/),
      expect.stringMatching(/^claims\.0\.variant: names no variant \(known: bad, bad\)/),
      expect.stringMatching(/^claims\.1: needs atLeast or atMost/),
    ]),
  );
});
