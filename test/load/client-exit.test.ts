// A client that has reported its outcome but does not exit (a Node client whose exit deadlocks,
// nodejs/node#54918; a program that hangs on a thread of its own): the variant has its outcome and
// goes on, instead of waiting out its time limit and failing with the measurement in hand. The
// clients here are real processes, through the lab's own runners, that do just that.
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runClient } from '../../harness/load/client-process.ts';
import { runProgramClient } from '../../harness/load/program-client.ts';
import type { ProgramVariant } from '../../harness/scenario/contract.ts';
import { descendants } from '../support/helpers.ts';

/** Longer than a variant would ever wait once its outcome is in, shorter than the test's own timeout (120 s). */
const TIME_LIMIT_MS = 60_000;
const load = { requests: 7, concurrency: 1, pattern: 'steady', burstGapMs: 0 } as const;
const job = { scenario: 'no-body-close', variant: 'bad', url: 'http://127.0.0.1:1/', load };

describe('a client that reports its outcome and then hangs', () => {
  test('a Node client process: its outcome is the variant\'s, and the process is ended', async () => {
    const entry = new URL('../fixtures/entries/client-hangs-after-done.ts', import.meta.url);
    const outcome = await runClient(job, TIME_LIMIT_MS, () => {}, { entry });
    expect(outcome).toMatchObject({ ok: 7, failed: 0, latencyMs: { p50: 1 } });
    expect((await descendants(process.pid)).filter((p) => p.command.includes('client-hangs-after-done'))).toEqual([]);
  });

  test('a client program: the same', async () => {
    const variant = {
      name: 'bad',
      program: () => ({ file: fileURLToPath(new URL('../fixtures/entries/program-hangs-after-done.sh', import.meta.url)), args: [] }),
    } as unknown as ProgramVariant;
    const outcome = await runProgramClient(variant, { url: job.url, load }, TIME_LIMIT_MS);
    expect(outcome).toMatchObject({ ok: 7, failed: 0 });
    // The script execs sleep: its process is the program's.
    expect((await descendants(process.pid)).filter((p) => p.command === 'sleep 600')).toEqual([]);
  });
});
