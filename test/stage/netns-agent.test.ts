// The namespace agent (a shell, harness/entries/netns-agent.sh) on real namespaces: it lives in the
// namespace it was started in, sets sysctls there only, reports what the kernel has in effect,
// refuses what the kernel refuses, and ends with its harness.
import { readFileSync, statSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isAlive } from '../../harness/process/pids.ts';
import { createNamespace, deleteNamespace } from '../../harness/stage/netns.ts';
import { startAgent } from '../../harness/stage/netns-agent.ts';
import { namespacesMissing } from '../support/helpers.ts';

const noNamespaces = await namespacesMissing();

/** A sysctl as the kernel of namespace `netns` prints it, read by entering it (not through the agent). */
const readIn = async (netns: string, file: string) => (await execa('ip', ['netns', 'exec', netns, 'cat', `/proc/sys/${file}`])).stdout.trim().split(/\s+/).join(' ');

describe.skipIf(noNamespaces)(`a namespace agent${noNamespaces ? ` (skipped: ${noNamespaces})` : ''}`, () => {
  let netns: string;
  beforeAll(async () => {
    netns = await createNamespace('agent');
  });
  afterAll(async () => {
    await deleteNamespace(netns);
  });

  test('lives in its namespace, sets the sysctls there only, and reports the values the kernel has in effect', async () => {
    const host = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const agent = await startAgent(netns, { 'net.ipv4.ip_local_port_range': '41000 41999', 'net.ipv4.tcp_fin_timeout': '17' });
    try {
      // The same network namespace: /proc/<pid>/ns/net and the name's bind mount are one nsfs inode.
      expect(statSync(`/proc/${agent.pid}/ns/net`).ino).toBe(statSync(`/var/run/netns/${netns}`).ino);
      expect(agent.sysctl).toMatchObject({ ip_local_port_range: '41000 41999', tcp_fin_timeout: '17' });
      for (const [key, file] of [['ip_local_port_range', 'net/ipv4/ip_local_port_range'], ['tcp_tw_reuse', 'net/ipv4/tcp_tw_reuse'], ['somaxconn', 'net/core/somaxconn']] as const) {
        expect(agent.sysctl[key], key).toBe(await readIn(netns, file));
      }
      expect(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).toBe(host);
    } finally {
      await agent.stop();
    }
    expect(await isAlive(agent.pid)).toBe(false);
  });

  test('a value the kernel refuses: one line naming it, and no agent left', async () => {
    // The agent writes what it is given (the allow-list is checked before it); tcp_tw_reuse takes 0 to 2 (the kernel refused 3 when this test was written).
    const before = await readIn(netns, 'net/ipv4/tcp_tw_reuse');
    await expect(startAgent(netns, { 'net.ipv4.tcp_tw_reuse': '3' })).rejects.toThrow(/^cannot set the client sysctls: the kernel refused net\.ipv4\.tcp_tw_reuse="3"$/);
    expect(await readIn(netns, 'net/ipv4/tcp_tw_reuse')).toBe(before);
    const { stdout } = await execa('ip', ['netns', 'pids', netns]);
    expect(stdout.trim()).toBe('');
  });

  test('a sysctl this kernel does not have: one line naming it', async () => {
    await expect(startAgent(netns, { 'net.ipv4.no_such_sysctl': '1' })).rejects.toThrow(/^cannot set the client sysctls: this kernel has no net\.ipv4\.no_such_sysctl$/);
  });

  test('ends by itself when the process that started it is gone (its stdin closes)', async () => {
    // A process of its own starts the agent, prints its PID and is killed outright.
    const starter = execa(process.execPath, ['--input-type=module', '-e', `
      const { startAgent } = await import(${JSON.stringify(new URL('../../harness/stage/netns-agent.ts', import.meta.url).pathname)});
      const agent = await startAgent(${JSON.stringify(netns)}, {});
      console.log(agent.pid);
      setInterval(() => {}, 1000);
    `], { reject: false });
    const pid = await new Promise<number>((resolve) => starter.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    expect(await isAlive(pid)).toBe(true);
    starter.kill('SIGKILL');
    await starter;
    for (let i = 0; i < 50 && (await isAlive(pid)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await isAlive(pid)).toBe(false);
  });
});
