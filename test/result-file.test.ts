// A result file is written whole or not at all.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { resultFileName, writeResult } from '../harness/result-file.ts';
import type { Result } from '../harness/result-schema.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'twlab-write-'));

test('names sort by time and say the scenario', () => {
  const name = resultFileName({ scenario: 'tiny-pool', startedAt: '2026-11-23T22:10:05.123Z' });
  expect(name).toBe('2026-11-23T22-10-05-123Z-tiny-pool.json');
  expect([resultFileName({ scenario: 'a', startedAt: '2026-11-24T00:00:00.000Z' }), name].sort()[0]).toBe(name);
});

test('an invalid result is refused, naming the field, and nothing is left on disk', async () => {
  const target = dir();
  const broken = { schemaVersion: 1, scenario: 'x' } as unknown as Result;
  await expect(writeResult(broken, path.join(target, 'r.json'))).rejects.toThrow(/refusing to write an invalid result: .*description/);
  expect(readdirSync(target)).toEqual([]);
});

test('a folder that cannot be written gets one clear error and no temporary file', async () => {
  const target = path.join(dir(), 'file-not-dir');
  await import('node:fs/promises').then((fs) => fs.writeFile(target, 'x'));
  const real = JSON.parse(readFileSync(new URL('./fixtures/result-no-body-close.json', import.meta.url), 'utf8')) as Result;
  await expect(writeResult(real, path.join(target, 'r.json'))).rejects.toThrow(/could not write the result to .*r\.json/);
});
