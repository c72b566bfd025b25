// A client that is another program speaks JSON lines on stdout; the harness takes its progress and
// outcome from them, and turns anything else into one line saying what went wrong.
import { describe, expect, test } from 'vitest';
import { runProgramClient } from '../../harness/load/program-client.ts';
import type { ProgramVariant } from '../../harness/scenario/contract.ts';

const context = { url: 'http://127.0.0.1:1/', load: { requests: 2, concurrency: 1, pattern: 'steady' as const, burstGapMs: 0 } };
const done = {
  type: 'done', ok: 2, failed: 0, errorsByCode: {}, firstFailure: null, durationMs: 5,
  latencyMs: { p50: 1, p90: 2, p99: 2, max: 2, mean: 1.5 },
};

/** A variant whose program is `node -e script`. */
function nodeProgram(script: string): ProgramVariant {
  return {
    name: 'fixture',
    role: 'fix',
    summary: 's',
    requires: { what: 'node', howToGet: '-', available: async () => true, prepare: async () => {} },
    program: () => ({ file: process.execPath, args: ['-e', script] }),
    source: () => ({ file: '(node -e)', lines: [script] }),
  };
}
const printing = (...lines: unknown[]) => nodeProgram(lines.map((l) => `console.log(${JSON.stringify(JSON.stringify(l))});`).join(''));

describe('a program client', () => {
  test('reports progress, then its outcome', async () => {
    const progress: unknown[] = [];
    const outcome = await runProgramClient(
      printing({ type: 'progress', done: 1, failed: 0, elapsedMs: 2 }, done),
      context,
      10_000,
      (p) => progress.push(p),
    );
    expect(progress).toEqual([{ done: 1, failed: 0, elapsedMs: 2 }]);
    const { type: _type, ...rest } = done;
    expect(outcome).toEqual(rest);
  });

  test('that prints no outcome fails in one line, quoting what it printed', async () => {
    await expect(runProgramClient(printing('hello'), context, 10_000)).rejects.toThrow(
      'the client program of variant "fixture" reported no result; it printed: "hello"',
    );
  });

  test('that exits with an error fails in one line, with its last error line', async () => {
    await expect(runProgramClient(nodeProgram('console.error("Error: boom"); process.exit(1)'), context, 10_000)).rejects.toThrow(
      'the client program of variant "fixture" exited with code 1: Error: boom',
    );
  });

  test('that runs over its time limit is stopped', async () => {
    await expect(runProgramClient(nodeProgram('setTimeout(() => {}, 60_000)'), context, 300)).rejects.toThrow(
      'variant "fixture" did not finish within its time limit of 0.3 s (raise it with --time-limit-s)',
    );
  });
});
