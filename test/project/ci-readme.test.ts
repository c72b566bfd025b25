// .ci/run must run exactly the README's set-up commands, after installing the optional toolchains
// (and nothing else: no browser from apt, the report's comes through npm), and the Go hint the lab
// prints must be the one the README gives.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { GO_INSTALL } from '../../harness/scenario/go-client.ts';
import { ROOT } from '../support/helpers.ts';

const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('## Set up and test');
const setUp = readme.slice(start, readme.indexOf('\n## ', start + 1));
const readmeCommands = [...setUp.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.trim().split('\n'));
const ci = (await readFile(path.join(ROOT, '.ci/run'), 'utf8'))
  .split('\n')
  .filter((line) => line.trim() && !line.startsWith('#') && !/^(set |cd )/.test(line));

/** Go for go-default-transport, Python's requests for the Python client; installed only when missing. */
const OPTIONAL_TOOLCHAINS = 'dpkg -s golang-go python3-requests tmux >/dev/null 2>&1 || (apt-get update && apt-get install -y golang-go python3-requests tmux)';

test("the README's set-up is npm ci, then npm test", () => {
  expect(readmeCommands).toEqual(['npm ci', 'npm test']);
});

test(".ci/run installs the optional toolchains when missing, then runs the README's commands in order, and nothing else", () => {
  expect(ci).toEqual([OPTIONAL_TOOLCHAINS, ...readmeCommands]);
  expect(ci.join('\n')).not.toMatch(/chromium/);
});

test('the README gives the Go install command the lab prints when Go is missing, and CI installs that package', () => {
  expect(readme).toContain(GO_INSTALL);
  const [, goPackage] = /install -y (\S+)$/.exec(GO_INSTALL)!;
  expect(OPTIONAL_TOOLCHAINS.split(/[\s()]+/)).toContain(goPackage);
});
