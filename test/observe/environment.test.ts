// The fingerprint read on this machine: every field the schema requires, each checked against an
// independent reading of its source (the command a person would run), not the function's own code.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { environmentSchema, OUTCOME_SYSCTLS, readEnvironment } from '../../harness/observe/environment.ts';
import { ROOT } from '../support/helpers.ts';

const env = await readEnvironment();
const run = async (file: string, args: string[], options = {}) => (await execa(file, args, options)).stdout.trim();

test('passes the schema', () => {
  expect(environmentSchema.safeParse(env).error?.issues ?? []).toEqual([]);
});

test('the TCP sysctls are what sysctl(8) prints, keyed by their last name, fields one space apart', async () => {
  for (const name of OUTCOME_SYSCTLS) {
    const key = name.split('.').at(-1) as keyof typeof env.sysctl;
    // sysctl separates the fields of a vector (ip_local_port_range) with a tab.
    const printed = await execa('sysctl', ['-n', name], { reject: false });
    expect(env.sysctl[key], name).toBe(printed.exitCode === 0 ? printed.stdout.trim().split('\t').join(' ') : null);
  }
});

test("the kernel, the distribution, the CPUs and the memory, as uname, os-release, getconf and meminfo say", async () => {
  expect(env.kernel).toBe(await run('uname', ['-r']));
  // os-release is a shell fragment by definition (os-release(5)): let a shell read it.
  expect(env.distribution).toBe(await run('sh', ['-c', '. /etc/os-release && printf %s "$PRETTY_NAME"']));
  expect(env.cpus).toBe(Number(await run('getconf', ['_NPROCESSORS_ONLN'])));
  const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(await readFile('/proc/meminfo', 'utf8'))![1]);
  expect(env.memoryBytes).toBe(memTotalKb * 1024);
  expect(env.user).toEqual({ uid: Number(await run('id', ['-u'])), root: (await run('id', ['-u'])) === '0' });
});

test('Node and its bundled libraries (undici for fetch, uv, v8) are those of the Node that runs the lab', async () => {
  const versions = JSON.parse(await run(process.execPath, ['-p', 'JSON.stringify(process.versions)'])) as Record<string, string>;
  expect(env.node).toBe(await run(process.execPath, ['--version']));
  expect(env.versions).toMatchObject({ undici: versions.undici, uv: versions.uv, v8: versions.v8 });
});

test("the lab's commit and whether tracked files changed, as git says; the load packages as the lockfile installed them", async () => {
  expect(env.lab.commit).toBe(await run('git', ['rev-parse', 'HEAD'], { cwd: ROOT }));
  const unchanged = await execa('git', ['diff', '--quiet', 'HEAD'], { cwd: ROOT, reject: false });
  expect(env.lab.dirty).toBe(unchanged.exitCode !== 0);
  const lock = JSON.parse(await readFile(`${ROOT}/package-lock.json`, 'utf8')) as { packages: Record<string, { version: string }> };
  expect(Object.keys(env.packages)).toContain('autocannon');
  for (const [name, version] of Object.entries(env.packages)) expect(version, name).toBe(lock.packages[`node_modules/${name}`]?.version);
});
