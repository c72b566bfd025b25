// Ctrl-C during a drain: the load had finished, so it is kept, the drain marked cut short
// (drain.zeroAfterMs null, no lifetime), the run interrupted; the claims the interruption left
// unmeasured (the lifetime, the fix that never ran) are not checked rather than failed. Through a
// real terminal (script(1)): the ^C goes to the whole foreground process group, the lab's server,
// agents and helpers included, as a user's Ctrl-C does.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { namespacesOf } from '../../harness/stage/netns.ts';
import { isAlive } from '../../harness/process/pids.ts';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { descendants, inTerminal, namespacesMissing, summaryOf, waitForOutput } from '../support/helpers.ts';

const withNamespaces = (await namespacesMissing()) === null;
const dir = await mkdtemp(path.join(tmpdir(), 'twlab-drain-interrupt-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const REQUESTS = 100;

test('Ctrl-C in a terminal during the misconfigured variant\'s drain keeps its load; exit 130; nothing left running', { timeout: 60_000 }, async () => {
  const out = path.join(dir, 'r.json');
  const terminal = inTerminal('harness/commands/scenario.ts', ['no-body-close', '--requests', String(REQUESTS), '--drain', '--no-story', '--out', out], { timeout: 50_000 });
  await waitForOutput(terminal, 'draining');
  const started = await descendants(terminal.pid!);
  const cli = started.find((p) => p.command.includes('harness/commands/scenario.ts'))!;
  expect(await namespacesOf(cli.pid)).toHaveLength(withNamespaces ? 2 : 0);
  terminal.stdin!.write('\x03');
  const ended = await terminal;
  expect(ended.timedOut).toBe(false);
  expect(ended.exitCode, String(ended.stdout)).toBe(130);
  for (const p of started) expect(await isAlive(p.pid), p.command).toBe(false);
  expect(await namespacesOf(cli.pid)).toEqual([]);
  expect(await readdir(dir)).toEqual(['r.json']);
  const result = JSON.parse(await readFile(out, 'utf8')) as Result;
  expect(resultProblems(result)).toEqual([]);
  expect(result.status).toBe('interrupted');
  expect(result.variants.map((v) => [v.name, v.status])).toEqual([['bad', 'complete']]);
  // The load that had finished: one connection per request (the client never reads the body), as the server counted.
  const bad = summaryOf(result, 'bad');
  expect(bad.requests.ok).toBe(REQUESTS);
  expect(bad.connectionsOpened).toBe(REQUESTS);
  expect(bad.timeWait.clientSide.peak).toBeGreaterThan(0);
  // Cut short: TIME_WAIT lasts 60 s, the drain lasted seconds.
  expect(bad.timeWait.drain?.zeroAfterMs).toBeNull();
  expect(bad.timeWait.lifetimeMs ?? null).toBeNull();
  // Nothing unmeasured is failed: the fix's claims and the lifetime are listed as not checked.
  expect(result.claims.filter((c) => c.measured === null)).toEqual([]);
  expect(result.claimsNotChecked?.filter((c) => c.variant === 'good').length).toBeGreaterThan(0);
  expect(result.claimsNotChecked?.every((c) => c.text.includes('not checked'))).toBe(true);
});
