// The ledger on the terminal: the cross-checks that disagreed are printed with one trial as with
// several, apart from the counts that differed across trials.
import { expect, test } from 'vitest';
import { formatReport } from '../../harness/output/result-table.ts';
import { loadFixture } from '../support/results-fixtures.ts';

const { result } = await loadFixture('no-body-close-4-single-trial.json');

test('a cross-check that disagreed is printed with one trial, in its own words', () => {
  expect(result.params.repeat).toBe(1);
  // A real run's result with one cross-check made to disagree: a run that agrees prints nothing.
  const disagreeing = structuredClone(result);
  disagreeing.variants[0]!.exactCountMismatches = [{ figure: 'trial 1: connections.opened = client ActiveOpens', values: [300, 299] }];
  const text = formatReport(disagreeing, null);
  expect(text).toContain(`  ${result.variants[0]!.name}: trial 1: connections.opened = client ActiveOpens: the traced count disagrees: traced 300, counted 299 (docs/ledger.md)\n`);
  expect(text).not.toContain('differed across trials');
  expect(formatReport(result, null)).not.toContain('the traced count disagrees');
});
