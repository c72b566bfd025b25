// The client sysctls the lab may set: names on an allow-list, values the kernel accepts.
import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { CLIENT_SYSCTLS, parseSysctlArgument, sysctlProblems } from '../../harness/scenario/client-sysctls.ts';

test('--sysctl name=value: the value is normalised as the kernel prints it', () => {
  expect(parseSysctlArgument('net.ipv4.ip_local_port_range=40000\t 40999 ')).toEqual(['net.ipv4.ip_local_port_range', '40000 40999']);
  expect(parseSysctlArgument('net.ipv4.tcp_tw_reuse=1')).toEqual(['net.ipv4.tcp_tw_reuse', '1']);
});

test.each([
  ['net.ipv4.tcp_tw_reuse', /expected name=value/],
  ['=1', /expected name=value/],
  ['net.core.somaxconn=10', /net\.core\.somaxconn is not a sysctl the lab sets/],
  ['net.ipv4.ip_local_port_range=0 10', /must be two ports/],
  ['net.ipv4.ip_local_port_range=40000 70000', /must be two ports/],
  ['net.ipv4.ip_local_port_range=40000 40999 41000', /must be two ports/],
  ['net.ipv4.tcp_fin_timeout=0', /seconds from 1 to 600/],
  ['net.ipv4.tcp_timestamps=-1', /0, 1 or 2/],
])('%s is refused with what is accepted', (text, message) => {
  expect(() => parseSysctlArgument(text)).toThrow(message);
});

test("this kernel's own values pass the rules (recent kernels only have tcp_tw_reuse_delay)", () => {
  const present = Object.keys(CLIENT_SYSCTLS).filter((name) => existsSync(`/proc/sys/${name.replaceAll('.', '/')}`));
  expect(present).toContain('net.ipv4.ip_local_port_range');
  for (const name of present) {
    const value = readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim().replace(/\s+/g, ' ');
    expect(sysctlProblems({ [name]: value }), name).toEqual([]);
  }
});
