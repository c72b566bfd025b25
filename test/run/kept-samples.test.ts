// A result keeps every sample of a run up to 3,000, and 3,000 spread over a longer one: bounded files.
import { expect, test } from 'vitest';
import { keptSamples, MAX_SAMPLES_KEPT } from '../../harness/run/run-scenario.ts';

test('up to the bound every sample is kept, as it was', () => {
  const samples = Array.from({ length: MAX_SAMPLES_KEPT }, (_, i) => i);
  expect(keptSamples(samples)).toBe(samples);
});

test('beyond it, as many as the bound, evenly spread, the first and the last included', () => {
  const samples = Array.from({ length: 36_000 }, (_, i) => i); // an hour at 100 ms
  const kept = keptSamples(samples);
  expect(kept).toHaveLength(MAX_SAMPLES_KEPT);
  expect(kept[0]).toBe(0);
  expect(kept.at(-1)).toBe(35_999);
  const gaps = new Set(kept.slice(1).map((x, i) => x - kept[i]!));
  expect([...gaps].every((g) => g === 12 || g === 11 || g === 13)).toBe(true);
});
