// `npm run measure` on bad input, through the real CLI: each is refused before anything starts, in
// one line that says what was wrong and what is accepted, exit 2: no stack trace, no server or
// namespace started, nothing left running, no result.
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { FIGURE_NAMES_TEXT } from '../../harness/result/figures.ts';
import { labProcesses } from '../support/global-setup.ts';
import { expectRefusal, measureCli } from '../support/helpers.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-measure-bad-'));
const outDir = path.join(dir, 'out');
await mkdir(outDir);
// A script without the execute bit, and a folder: neither can be run.
const notExecutable = path.join(dir, 'client.sh');
await writeFile(notExecutable, '#!/bin/sh\ncurl -s "$TARGET_URL"\n');
await chmod(notExecutable, 0o644);
const folder = path.join(dir, 'a-folder');
await mkdir(folder);

// Refusals run at once, and each probes the folder with a `.write-check.<pid>.tmp` of its own that
// it removes: another run's may be there for a moment. Once all have run, nothing may be left.
afterEach(async () => expect((await readdir(outDir)).filter((name) => !name.startsWith('.write-check.'))).toEqual([]));
afterAll(async () => {
  const left = await readdir(outDir);
  await rm(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
  expect(await labProcesses()).toEqual([]);
});

/** Runs the CLI with `args`: refused with exit 2, one line matching `message`, nothing started. */
async function refused(args: string[], message: RegExp | string) {
  const child = measureCli(['--out-dir', outDir, ...args]);
  expectRefusal(await child, 2, message);
  expect(await namespacesOf(child.pid)).toEqual([]);
}

const LOOP = 'for i in $(seq 3); do curl -s -o /dev/null "$TARGET_URL"; done';
const CLIENT_FORMAT = `expected NAME=<shell command>, NAME of 1 to 40 lowercase letters, digits and dashes, e.g. 'loop=for i in $(seq 60); do curl -s -o /dev/null "$TARGET_URL"; done'.`;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the clients', () => {
  test('none at all', async () => {
    await refused([], "measure: no client to measure: give a command after -- (npm run measure -- -- ./my-client), or --client 'NAME=<shell command>'");
  });

  test.concurrent.each([
    ['a command not found on PATH', ['--', 'no-such-client-program', '-x'], 'measure: command "no-such-client-program" was not found on PATH'],
    ['a path that does not exist', ['--', `${dir}/missing.sh`], `measure: ${dir}/missing.sh was not found`],
    [
      'a file that is not executable',
      ['--', notExecutable],
      `measure: ${notExecutable} is not executable (chmod +x ${notExecutable}, or run it through its interpreter: sh ${notExecutable})`,
    ],
    ['a folder', ['--', folder], `measure: ${folder} is a folder, not a program`],
  ])('after --: %s', async (_, args, message) => {
    await refused(args, message);
  });

  test.concurrent.each([
    ['without NAME=', 'curl -s "$TARGET_URL"'],
    ['a NAME the table cannot take', `Loop=${LOOP}`],
    ['a NAME longer than 40 characters', `${'a'.repeat(41)}=${LOOP}`],
    ['an empty command', 'loop=  '],
  ])('--client %s', async (_, value) => {
    await refused(['--client', value], `measure: option '--client <name=command>' argument '${value}' is invalid. ${CLIENT_FORMAT}`);
  });

  test.concurrent.each([
    ['two of one name', ['--client', `loop=${LOOP}`, '--client', 'loop=true'], /^measure: option '--client <name=command>' argument 'loop=true' is invalid\. a client named loop is given twice: each needs a name of its own\.$/],
    ['one named as the command after --', ['--client', 'curl=true', '--', 'curl', '-s'], 'measure: two clients are named curl: name the --client ones otherwise (the command after -- is named after its program)'],
    ['a shell command the shell cannot parse', ['--client', 'loop=for i in $(seq 3); do curl -s "$TARGET_URL"'], /^measure: --client loop: the shell cannot parse it: sh: \d+: Syntax error: .*$/],
    ['a shell command whose program is not found', ['--client', 'x=no-such-client-program "$TARGET_URL"'], 'measure: --client x: command "no-such-client-program" was not found (sh looks it up on PATH)'],
    ['a shell command whose program is not executable', ['--client', `x=${notExecutable} --fast`], `measure: --client x: ${notExecutable} is not executable (chmod +x ${notExecutable}, or run it through its interpreter: sh ${notExecutable})`],
  ])('--client: %s', async (_, args, message) => {
    await refused(args, message);
  });
});

describe('--expect', () => {
  const invalid = (value: string, why: string) => `measure: option '--expect <expectation>' argument '${value}' is invalid. ${why}`;
  test.concurrent.each([
    ['no operator', 'connectionsPerRequest 0.05', "expected 'FIGURE OP VALUE', OP one of <= >= < > ==, e.g. 'connectionsPerRequest <= 0.05'."],
    ['an operator it does not know', 'connectionsPerRequest =< 0.05', `"=<" is not an operator; OP is one of <= >= < > ==, e.g. 'connectionsPerRequest <= 0.05'.`],
    ['a figure it does not know', 'connectionsPerReq <= 0.05', `"connectionsPerReq" is not a figure; figures: ${FIGURE_NAMES_TEXT}.`],
    ['a value that is not a number', 'connectionsPerRequest <= few', `"few" is not a number; VALUE is a number in the figure's unit, like 20 or 0.05.`],
    ['a negative value', 'connectionsOpened >= -1', `"-1" is not a number; VALUE is a number in the figure's unit, like 20 or 0.05.`],
  ])('%s', async (_, value, why) => {
    await refused(['--expect', value, '--', 'curl', '-s'], invalid(value, why));
  });
});

describe('the other options', () => {
  test('--target without its control endpoint: requests are the server\'s count', async () => {
    await refused(['--target', 'http://127.0.0.1:1/', '--', 'curl', '-s'], /^measure: --target: a measurement counts requests by the server's own count, .*: add --control-port/);
  });

  test('a number out of bounds', async () => {
    await refused(['--time-limit-s', '0', '--', 'curl', '-s'], `measure: option '--time-limit-s <n>' argument '0' is invalid. expected a whole number from 1 to 3,600.`);
  });

  test('a server setting it does not take', async () => {
    await refused(['--after-response', 'linger', '--', 'curl', '-s'], new RegExp(`^measure: option '--after-response <value>' argument 'linger' is invalid\\. Allowed choices are ${escaped('keep-alive, close, reset')}\\.$`));
  });
});
