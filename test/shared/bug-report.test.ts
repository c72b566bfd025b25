// An error the lab did not foresee: its user reads one line that names a file, and the file holds
// what a bug report needs (the stack included); a variant that meets one fails with that line and the
// run goes on.
import { readFile, rm } from 'node:fs/promises';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { exitCodeOf } from '../../harness/cli/command.ts';
import { asFailure } from '../../harness/run/trial-failure.ts';
import { EXIT, LabError, MeasurementError, UsageError, VariantFailure } from '../../harness/shared/errors.ts';

const made: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(made.splice(0).map((file) => rm(file, { force: true })));
});

/** The bug report file a line names, read. */
async function reportNamedIn(line: string): Promise<string> {
  const file = /its details are in (\S+timewait-lab-bug-\S+\.txt)$/.exec(line)?.[1];
  expect(file, line).toBeDefined();
  made.push(file!);
  return readFile(file!, 'utf8');
}

function aBug(): TypeError {
  try {
    (undefined as unknown as { x: number }).x;
  } catch (error) {
    return error as TypeError;
  }
  throw new Error('unreachable');
}

describe('a command that meets a bug', () => {
  test('one line on stderr names the error and a file with its stack; exit 3', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    const bug = aBug();
    expect(await exitCodeOf('scenario', () => Promise.reject(bug))).toBe(EXIT.labFailure);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^scenario: the lab failed unexpectedly \(TypeError: Cannot read properties of undefined \(reading 'x'\)\); this is a bug in the lab, please report it; its details are in \S+$/);
    const report = await reportNamedIn(lines[0]!);
    expect(report).toContain(bug.stack!.split('\n')[1]!.trim());
    expect(report).toContain(`node ${process.version}`);
  });

  test('the lab\'s own errors stay one line without a file, with their exit code', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    expect(await exitCodeOf('compare', () => Promise.reject(new UsageError('x.json: not JSON')))).toBe(EXIT.usage);
    expect(lines).toEqual(['compare: x.json: not JSON']);
  });
});

describe('a variant that meets a fault', () => {
  test('a bug: lab-failed, the line names the file with its stack', async () => {
    const failure = asFailure(aBug(), 'bad');
    expect(failure.reason).toBe('lab-failed');
    expect(await reportNamedIn(failure.message)).toContain('TypeError');
  });

  test.each([
    ['a figure that could not be read', new MeasurementError('the control endpoint http://x/ did not answer within 5 s'), 'measurement-failed'],
    ['a step of the lab that failed and said why', new LabError('the server failed to start: EADDRINUSE'), 'lab-failed'],
    ['a failure already', new VariantFailure('server-exited', 'the server of variant "bad" was killed by SIGKILL'), 'server-exited'],
  ])('%s keeps its message', (_, error, reason) => {
    expect(asFailure(error, 'bad')).toMatchObject({ reason, message: error.message });
  });
});
