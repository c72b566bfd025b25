// How a real run samples, in each mode. Namespace runs read each side's TIME_WAIT and ESTABLISHED
// as files (its namespace's own counts) and the socket table now and then: both ways give the same
// counts once nothing moves. Loopback runs read the socket table through a helper process, which
// is gone once the run is.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isAlive } from '../../harness/process/pids.ts';
import type { Result } from '../../harness/result/schema.ts';
import { descendants, namespacesMissing, runScenarioOk, startScenarioCli, summaryOf } from '../support/helpers.ts';

const REQUESTS = 500;
const HELPER = 'harness/entries/ss-helper.sh';

describe.skipIf(await namespacesMissing())('a namespace run', () => {
  test("each side's counts as files equal the socket table's at the last sample; the misconfigured client's TIME_WAIT is one per request, both ways", async () => {
    const result = await runScenarioOk('no-body-close', REQUESTS, undefined, ['--netns', 'on']);
    expect(result.sampling?.timeWait.source).toContain('/proc/<pid>/net/sockstat tw');
    expect(result.sampling?.established.source).toContain('CurrEstab');
    for (const variant of result.variants) {
      const tables = variant.samples.filter((s) => s.socketTable);
      // The table at the last sample, and before it at a lower cadence than the counts.
      expect(tables.length, variant.name).toBeGreaterThanOrEqual(1);
      expect(tables.length, variant.name).toBeLessThan(variant.samples.length);
      // Both ways at the last sample, after the tail, when nothing moves any more (at other samples
      // the files and the table are read a few ms apart, while sockets change state).
      const last = variant.samples.at(-1)!;
      expect(last.socketTable, variant.name).toBeDefined();
      for (const side of ['clientSide', 'serverSide'] as const) {
        const table = last.socketTable![side];
        expect(last[side].timeWait ?? 0, `${variant.name} ${side}`).toBe((table.timeWait ?? 0) + (table.finWait2 ?? 0));
        expect(last[side].established ?? 0, `${variant.name} ${side}`).toBe((table.established ?? 0) + (table.closeWait ?? 0));
      }
    }
    // Exact, both ways: every connection of the misconfigured client was closed by it first.
    const bad = summaryOf(result, 'bad');
    const last = result.variants[0]!.samples.at(-1)!;
    expect(bad.connectionsOpened).toBe(REQUESTS);
    expect(last.clientSide.timeWait).toBe(REQUESTS);
    expect(last.socketTable!.clientSide.timeWait).toBe(REQUESTS);
    expect(bad.timeWait.clientSide.atEnd).toBe(REQUESTS);
  });
});

test('a loopback run reads the socket table through its helper, which ends with the run', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-sampling-'));
  const run = startScenarioCli(['no-body-close', '--netns', 'off', '--requests', '3000', '--no-story', '--out', path.join(dir, 'r.json')]);
  await run.waitForStderr(/\n> bad[^]*\n +\d+%: [\d,]+ of/);
  const started = await descendants(run.cli.pid!);
  expect(started.filter((p) => p.command.includes(HELPER))).toHaveLength(1);
  const cli = await run.cli;
  expect(cli.exitCode, String(cli.stderr)).toBe(0);
  for (const p of started) expect(await isAlive(p.pid), p.command).toBe(false);
  const result = JSON.parse(await readFile(path.join(dir, 'r.json'), 'utf8')) as Result;
  expect(result.sampling?.timeWait.source).toContain('ss helper');
  // Every sample read the table: no socketTable apart from the sides' counts.
  expect(result.variants.every((v) => v.samples.every((s) => s.socketTable === undefined))).toBe(true);
});
