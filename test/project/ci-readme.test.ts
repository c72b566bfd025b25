// .ci/run must run exactly the README's set-up commands (Go included), and the Go hint the lab prints
// must be the one the README gives.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { GO_INSTALL } from '../../harness/scenario/go-client.ts';
import { ROOT } from '../support/helpers.ts';

const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
const setUp = readme.slice(readme.indexOf('## Set up and test'), readme.indexOf('\n## ', readme.indexOf('## Set up and test') + 1));

test('.ci/run runs the commands of the README\'s set-up and nothing else', async () => {
  const readmeCommands = [...setUp.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.trim().split('\n'));
  const ci = (await readFile(path.join(ROOT, '.ci/run'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#') && !/^(set |cd )/.test(line));
  expect(ci).toContain('command -v go >/dev/null || (apt-get update && apt-get install -y golang-go)');
  expect(ci.at(-1)).toBe('npm test');
  expect(new Set(ci)).toEqual(new Set(readmeCommands));
});

test('the README gives the Go install command the lab prints when Go is missing', () => {
  expect(setUp).toContain(GO_INSTALL);
});
