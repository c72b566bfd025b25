// The sampler's timeline (harness/observe/sampler.ts loopEvery), and a run whose interval is long:
// its last sample is taken when the variant ends, not an interval later.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loopEvery } from '../../harness/observe/sampler.ts';
import type { Result } from '../../harness/result/schema.ts';
import { scenarioCli } from '../support/helpers.ts';

const INTERVAL_MS = 60_000;

describe('loopEvery', () => {
  it('takes its first step at once; a wake after the stop ends the wait for the next step', async () => {
    let stopped = false;
    let steps = 0;
    const loop = loopEvery(INTERVAL_MS, () => stopped, () => void steps++);
    expect(steps).toBe(1);
    stopped = true;
    loop.wake();
    const ended = await Promise.race([loop.done.then(() => 'ended'), new Promise((resolve) => setTimeout(resolve, 2_000, 'still waiting'))]);
    expect(ended).toBe('ended');
    expect(steps).toBe(1);
  });

  it('ends after a step that is running when the stop comes, without another', async () => {
    let stopped = false;
    let steps = 0;
    let finishStep = () => {};
    const loop = loopEvery(INTERVAL_MS, () => stopped, () => {
      steps++;
      return new Promise<void>((resolve) => (finishStep = resolve));
    });
    stopped = true;
    loop.wake(); // no wait to end: the step is running
    finishStep();
    await loop.done;
    expect(steps).toBe(1);
  });
});

describe(`npm run scenario with --interval-ms ${INTERVAL_MS}`, () => {
  it('ends each variant with its last sample instead of waiting out the interval', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twl-interval-'));
    try {
      const out = path.join(dir, 'result.json');
      const started = performance.now();
      const cli = await scenarioCli(['no-body-close', '--requests', '20', '--interval-ms', String(INTERVAL_MS), '--out', out], { timeout: 2 * INTERVAL_MS });
      expect(cli.exitCode, cli.stderr).toBe(0);
      // Two variants: waiting out the interval would take two minutes.
      expect(performance.now() - started).toBeLessThan(INTERVAL_MS);
      const result = JSON.parse(await readFile(out, 'utf8')) as Result;
      // The sample before the load and the last one, nothing between.
      for (const variant of result.variants) expect(variant.summary.samplesTaken, variant.name).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 2 * INTERVAL_MS + 10_000);
});
