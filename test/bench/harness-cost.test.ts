import { afterEach, describe, expect, it } from 'vitest';
import { runnableScenarios } from '../../bench/harness-cost.ts';

describe("the bench's harness part on a machine without an optional toolchain", () => {
  const go = process.env.TIMEWAIT_GO;
  afterEach(() => {
    if (go === undefined) delete process.env.TIMEWAIT_GO;
    else process.env.TIMEWAIT_GO = go;
  });

  it('skips the scenario that needs it, saying what it needs and how to get it, and runs the others', async () => {
    process.env.TIMEWAIT_GO = '/nonexistent/go'; // the go command the Go client would use (harness/scenario/go-client.ts)
    const runs = [
      { name: 'no-body-close', args: [] },
      { name: 'go-default-transport', args: ['--requests', '10'] },
    ];
    const { runnable, skipped } = await runnableScenarios(runs);
    expect(runnable).toEqual([runs[0]]);
    expect(skipped).toEqual([
      { scenario: 'go-default-transport', why: expect.stringMatching(/^needs the Go toolchain \(go\), which this machine lacks \(.*apt-get install -y golang-go\)$/) },
    ]);
  });
});
