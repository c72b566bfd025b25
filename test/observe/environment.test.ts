// The fingerprint read on this machine: every field the schema requires, each from its source.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { OUTCOME_SYSCTLS, readEnvironment } from '../../harness/observe/environment.ts';
import { environmentSchema } from '../../harness/result/schema.ts';
import { ROOT } from '../support/helpers.ts';

const env = await readEnvironment();

test('passes the schema', () => {
  expect(environmentSchema.safeParse(env).error?.issues ?? []).toEqual([]);
});

test('the TCP sysctls are what /proc/sys says, keyed by their last name', async () => {
  for (const name of OUTCOME_SYSCTLS) {
    const key = name.split('.').at(-1) as keyof typeof env.sysctl;
    const value = await readFile(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').then((t) => t.trim().replace(/\s+/g, ' '), () => null);
    expect(env.sysctl[key], name).toBe(value);
  }
});

test("Node, its bundled libraries (undici, uv) and the machine's kernel, CPUs and memory", () => {
  expect(env.node).toBe(process.version);
  expect(env.versions).toMatchObject({ undici: process.versions.undici, uv: process.versions.uv, v8: process.versions.v8 });
  expect(env.kernel).toBe(os.release());
  expect(env.cpus).toBe(os.cpus().length);
  expect(env.memoryBytes).toBe(os.totalmem());
  expect(env.user.root).toBe(process.getuid!() === 0);
});

test("the lab's commit and the load packages' versions", async () => {
  const head = await execa('git', ['rev-parse', 'HEAD'], { cwd: ROOT });
  expect(env.lab.commit).toBe(head.stdout.trim());
  expect(typeof env.lab.dirty).toBe('boolean');
  const autocannon = JSON.parse(await readFile(`${ROOT}/node_modules/autocannon/package.json`, 'utf8')) as { version: string };
  expect(env.packages.autocannon).toBe(autocannon.version);
});
