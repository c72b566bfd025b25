// A measurement killed outright (SIGKILL) mid-measure cannot end its client: what the client
// started stays in the run's cgroup (as root, where cgroup2 is mounted) or carries the run's mark.
// `npm run clean` and the next measurement end those processes, name them, and remove the cgroup.
// Each case kills a real run while its client loops requests, checks the processes are still
// there (so the test can fail), then cleans.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { cgroup2Mount } from '../../harness/load/client-boundary.ts';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { escapingLoop, measureCli, namespacesMissing, processMarker, runCli, running, untilLoopRuns } from '../support/helpers.ts';

const noCurl = (await execa('curl', ['--version'], { reject: false })).exitCode === 0 ? null : 'curl is not on PATH (apt-get install curl)';
const noNamespaces = await namespacesMissing();
/** As root with cgroup2 mounted each client runs in a cgroup of the lab's (client-boundary.ts). */
const mount = process.getuid?.() === 0 ? await cgroup2Mount() : null;
const cgroupsOf = async (pid: number) => (mount ? (await readdir(mount)).filter((n) => n.startsWith(`timewait-lab-${pid}-`)) : []);
const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-clean-clients-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a measurement whose client loops requests in a session of its own, SIGKILLs the run once that loop runs; resolves with the run's PID and the loop's marker. */
async function killedMeasurement(netns: string): Promise<{ pid: number; marker: string }> {
  const marker = processMarker();
  const cli = measureCli(['--quiet', '--netns', netns, '--out-dir', dir, '--client', `loop=${escapingLoop(marker)} & wait`], { timeout: 60_000 });
  // A loaded machine can take many seconds to set up a run: the loop is waited for up to 40 s.
  expect(await untilLoopRuns(marker, 40_000)).not.toEqual([]);
  cli.kill('SIGKILL');
  await cli;
  // No stop ran: the loop is still there, and so is the cgroup.
  await pause(300);
  expect(await running(marker)).not.toEqual([]);
  if (mount) expect(await cgroupsOf(cli.pid!)).toEqual([`timewait-lab-${cli.pid}-1`]);
  return { pid: cli.pid!, marker };
}

describe.skipIf(noCurl)('a measurement SIGKILLed mid-measure', () => {
  test('npm run clean ends what its client left running and removes its cgroup (and its namespaces)', async () => {
    const { pid, marker } = await killedMeasurement(noNamespaces ? 'off' : 'on');
    const cli = await runCli('harness/commands/clean.ts', [], { timeout: 30_000 });
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(new RegExp(`clean: ended (a process|\\d+ processes) that measured clients of killed runs left running: .*${marker}`));
    if (mount) expect(cli.stderr).toContain(`timewait-lab-${pid}-1`);
    expect(await running(marker)).toEqual([]);
    expect(await cgroupsOf(pid)).toEqual([]);
    expect(await namespacesOf(pid)).toEqual([]);
  });

  test('the next measurement does the same before it starts (on loopback)', async () => {
    const { pid, marker } = await killedMeasurement('off');
    const cli = await measureCli(['--netns', 'off', '--out-dir', dir, '--client', 'one=curl -s -o /dev/null "$TARGET_URL"'], { timeout: 30_000 });
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(new RegExp(`^ended (a process|\\d+ processes) that measured clients of killed runs left running: .*${marker}`, 'm'));
    expect(await running(marker)).toEqual([]);
    expect(await cgroupsOf(pid)).toEqual([]);
    expect(await namespacesOf(pid)).toEqual([]);
  });
});
