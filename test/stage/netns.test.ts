// Namespace mode through the real CLI: choosing it (and falling back), client sysctls, and cleaning
// up the namespaces after a run, a failing variant, Ctrl-C and a killed run.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { CLIENT_SYSCTLS } from '../../harness/scenario/client-sysctls.ts';
import { namespacesOf, PRETEND_UNAVAILABLE_ENV } from '../../harness/stage/netns.ts';
import type { Result } from '../../harness/result/schema.ts';
import { labProcesses } from '../support/global-setup.ts';
import { namespacesMissing, ROOT, runCli, scenarioCli, startScenarioCli } from '../support/helpers.ts';

const outDir = mkdtempSync(path.join(tmpdir(), 'twlab-netns-'));
const noNamespaces = await namespacesMissing();
const skipped = noNamespaces ? ` (skipped: ${noNamespaces})` : '';
const out = (name: string) => path.join(outDir, `${name}.json`);

async function untilNoLabProcesses() {
  for (let i = 0; i < 50 && (await labProcesses()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await labProcesses()).toEqual([]);
}

/** Starts the CLI and resolves once the first variant's load runs. */
async function startedCli(args: string[]) {
  const run = startScenarioCli(args);
  await run.waitForStderr('\n> bad');
  return run;
}

describe('choosing the mode', () => {
  test('auto falls back to loopback in one line when namespaces are not permitted, and records it', async () => {
    const cli = await scenarioCli(['no-body-close', '--requests', '50', '--json', '--out', out('fallback')], {
      env: { [PRETEND_UNAVAILABLE_ENV]: '1' },
    });
    expect(cli.exitCode, cli.stderr).toBe(0);
    const fallback = `network namespaces not available (${PRETEND_UNAVAILABLE_ENV} is set)`;
    expect(cli.stderr.split('\n').filter((l) => l.includes('not available'))).toEqual([
      `${fallback}: running on loopback (127.0.0.1), both ends in this host's namespace`,
    ]);
    const result = JSON.parse(cli.stdout) as Result;
    expect(result.params.topology).toMatchObject({ mode: 'loopback', netns: 'auto', fallback, serverAddress: '127.0.0.1' });
    expect(result.env.networkNamespace).toBe(false);
  });

  test.runIf(process.getuid?.() === 0 && existsSync('/usr/bin/setpriv'))(
    'run by an unprivileged user: auto falls back for real, --netns on says how to get them',
    async () => {
      const nobody = mkdtempSync(path.join(tmpdir(), 'twlab-nobody-'));
      await execa('chmod', ['777', nobody]);
      const asNobody = (args: string[]) =>
        execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, 'harness/commands/scenario.ts', ...args], {
          cwd: ROOT,
          reject: false,
          stdin: 'ignore',
        });
      const auto = await asNobody(['no-body-close', '--requests', '50', '--out', path.join(nobody, 'r.json')]);
      expect(auto.exitCode, auto.stderr).toBe(0);
      expect(auto.stderr).toMatch(/^network namespaces not available \(.+\): running on loopback/m);
      // Its own place to write, so that the refusal names the namespaces alone (the plan names every problem).
      const on = await asNobody(['no-body-close', '--requests', '50', '--netns', 'on', '--out', path.join(nobody, 'on.json')]);
      expect(on.exitCode).toBe(2);
      expect(on.stderr.trim()).toMatch(/^scenario: --netns on: this process cannot create network namespaces \(.+\); run as root \(sudo npm run \.\.\.\) or in the lab container \(docker compose run --rm lab npm run \.\.\.\)$/);
    },
  );

  test('--list says which scenario needs namespaces where they cannot be made', async () => {
    const cli = await scenarioCli(['--list'], { env: { [PRETEND_UNAVAILABLE_ENV]: '1' } });
    expect(cli.exitCode).toBe(0);
    expect(cli.stderr).toMatch(/^ {2}port-exhaustion .*\n {4,}\(skipped here: needs network namespaces of its own; run as root \(sudo npm run \.\.\.\)/m);
    expect(cli.stderr).not.toMatch(/^ {2}no-body-close .*\n {4,}\(skipped here/m);
  });

  test('--netns on without the privilege: one line saying how to run it, exit 2', async () => {
    const cli = await scenarioCli(['no-body-close', '--netns', 'on'], { env: { [PRETEND_UNAVAILABLE_ENV]: '1' } });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/sudo npm run .*docker compose run --rm lab/);
  });

  test.each([
    [['--netns', 'maybe'], /--netns <mode>' argument 'maybe' is invalid\. Allowed choices are on, off, auto/],
    [['--sysctl', 'net.ipv4.tcp_syncookies=0'], new RegExp(`net.ipv4.tcp_syncookies is not a sysctl the lab sets; it sets: ${Object.keys(CLIENT_SYSCTLS).join(', ')}`)],
    [['--sysctl', 'net.ipv4.tcp_tw_reuse=3'], /net.ipv4.tcp_tw_reuse must be 0, 1 or 2, got "3"/],
    [['--sysctl', 'net.ipv4.ip_local_port_range=50000 40000'], /ip_local_port_range must be two ports "LOW HIGH"/],
    [['--sysctl', 'tcp_tw_reuse'], /expected name=value/],
    [['--sysctl', 'net.ipv4.tcp_tw_reuse=0', '--netns', 'off'], /--sysctl sets sysctls in the client namespace the lab creates .* cannot run with --netns off/],
  ])('bad input %j: one line, exit 2', async (args, message) => {
    const cli = await scenarioCli(['no-body-close', ...args]);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(message);
  });
});

test.skipIf(noNamespaces)(`--sysctl sets values in the client namespace only, over the scenario's, and the result records them${skipped}`, async () => {
  const hostRange = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  const cli = await scenarioCli([
    'no-body-close', '--requests', '100', '--netns', 'on', '--repeat', '2', '--json', '--out', out('sysctl'),
    '--sysctl', 'net.ipv4.ip_local_port_range=50000   50999', '--sysctl', 'net.ipv4.tcp_fin_timeout=17',
  ]);
  expect(cli.exitCode, cli.stderr).toBe(0);
  const result = JSON.parse(cli.stdout) as Result;
  const set = { 'net.ipv4.ip_local_port_range': '50000 50999', 'net.ipv4.tcp_fin_timeout': '17' };
  expect(result.params.topology.sysctlOverrides).toEqual(set);
  for (const v of result.variants) {
    expect(v.clientSysctls?.set).toEqual(set);
    expect(v.clientSysctls?.effective).toMatchObject({ ip_local_port_range: '50000 50999', tcp_fin_timeout: '17' });
    // Each trial had namespaces of its own; the per-side figures are combined like the others.
    expect(v.trials.map((t) => t.summary.kernelBySide?.client.activeOpens)).toEqual(v.trials.map((t) => t.summary.connectionsOpened));
    expect(v.summary.kernelBySide?.server.passiveOpens).toBe(v.summary.connectionsOpened);
    expect(v.spread.max.namespacePeaks?.client?.tw).toBeGreaterThanOrEqual(v.spread.min.namespacePeaks!.client!.tw);
  }
  expect(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).toBe(hostRange);
});

describe.skipIf(noNamespaces)(`no namespace is left behind${skipped}`, () => {
  test('after a variant that fails (over its time limit): exit 3, namespaces and processes gone', async () => {
    const cli = execa(process.execPath, ['harness/commands/scenario.ts', 'no-body-close', '--netns', 'on', '--requests', '200000', '--time-limit-s', '1', '--out', out('failed')], {
      cwd: ROOT,
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
    });
    const result = await cli;
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('did not finish within its time limit of 1 s');
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^scenario: variant bad failed: variant "bad" did not finish within its time limit of 1 s/);
    expect(await namespacesOf(cli.pid)).toEqual([]);
    await untilNoLabProcesses();
  });

  test('after Ctrl-C: the namespaces that existed during the variant are deleted', async () => {
    const { cli } = await startedCli(['no-body-close', '--netns', 'on', '--requests', '200000', '--out', out('sigint')]);
    expect((await namespacesOf(cli.pid)).sort()).toEqual([`twlab-${cli.pid}-1-cli`, `twlab-${cli.pid}-1-srv`]);
    cli.kill('SIGINT');
    expect((await cli).exitCode).toBe(130);
    expect(await namespacesOf(cli.pid)).toEqual([]);
    await untilNoLabProcesses();
  });

  test('a killed run leaves them; npm run clean removes them, and nothing the lab did not make', async () => {
    const foreign = [`twlab-test-${process.pid}`, `other-${process.pid}`, `twlab-${process.pid}-9-srv`];
    for (const name of foreign) await execa('ip', ['netns', 'add', name]);
    try {
      const { cli } = await startedCli(['no-body-close', '--netns', 'on', '--requests', '200000', '--out', out('killed')]);
      cli.kill('SIGKILL');
      await cli;
      const left = await namespacesOf(cli.pid);
      expect(left).toHaveLength(2);
      // Its processes end by themselves: their IPC channel to the dead harness closed.
      await untilNoLabProcesses();
      const clean = await runCli('harness/commands/clean.ts', []);
      expect(clean.exitCode).toBe(0);
      expect(clean.stderr).toContain(`removed 2 network namespaces left by killed runs: ${left.join(', ')}`);
      expect(await namespacesOf(cli.pid)).toEqual([]);
      const { stdout } = await execa('ip', ['netns', 'list']);
      for (const name of foreign) expect(stdout).toContain(name);
    } finally {
      for (const name of foreign) await execa('ip', ['netns', 'delete', name], { reject: false });
    }
  });

  test("the next run removes a killed run's leftovers before it starts", async () => {
    const exited = execa('true');
    await exited;
    const dead = exited.pid!;
    const leftover = `twlab-${dead}-1-srv`;
    await execa('ip', ['netns', 'add', leftover]);
    const cli = await scenarioCli(['no-body-close', '--netns', 'on', '--requests', '20', '--out', out('next')]);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(`removed 1 network namespaces left by killed runs: ${leftover}`);
    expect(await namespacesOf(dead)).toEqual([]);
  });
});

test.skipIf(noNamespaces)(`results written by the runs above: those that ran, failed variants included; none for the interrupted and killed ones${skipped}`, () => {
  expect(readdirSync(outDir).sort()).toEqual(['failed.json', 'fallback.json', 'next.json', 'sysctl.json']);
  const failed = JSON.parse(readFileSync(path.join(outDir, 'failed.json'), 'utf8')) as Result;
  expect(failed.variants.map((v) => v.failure?.reason)).toEqual(['time-limit', 'time-limit']);
});
