// `npm run report` on bad input: one line saying what is wrong, exit 2, and no report written.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/helpers.ts';

const reportCli = (args: string[]) => runCli('harness/commands/report.ts', args);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'timewait-report-cli-'));
  await writeFile(path.join(dir, 'not-json.json'), 'this is not JSON\n');
  await writeFile(path.join(dir, 'not-a-result.json'), '{"schemaVersion": 1, "scenario": "no-body-close"}\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run report -- <result.json...> on bad input', () => {
  it.each([
    // The messages of readResult(), shared with npm run compare.
    ['a missing file', 'missing.json', /^report: .*missing\.json: no such file$/],
    ['a file that is not JSON', 'not-json.json', /^report: .*not-json\.json: not JSON \(Unexpected token .*\)$/],
    ['a file that fails the schema', 'not-a-result.json', /^report: .*not-a-result\.json: does not match result schema v1: description: .*$/],
  ])('%s: one line, exit 2, nothing written', async (_, file, message) => {
    const run = await reportCli([path.join(dir, file)]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect((await readdir(dir)).filter((f) => f.endsWith('.html') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('no file at all: the usage error names the missing argument', async () => {
    const run = await reportCli([]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("report: missing required argument 'result.json'");
  });
});
