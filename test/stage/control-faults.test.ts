// A --target's control endpoint is input from outside the lab. Here a fake one, a tiny HTTP server,
// passes on the answers of a real one (the standalone server's, which the run drives) and, from a
// given request on, answers what a broken or hostile endpoint would: {}, nothing at all, a string
// where a number goes, a huge negative number, counts that start again from 0 (a server that
// restarted), a key full of terminal escapes. Before the run that is one line and exit 3; during a variant, that variant fails with
// its reason and what was measured until then, the next one runs, and the result is written.
import http from 'node:http';
import type net from 'node:net';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resultProblems, type Result } from '../../harness/result/schema.ts';
import { scenarioCli, standaloneServer } from '../support/helpers.ts';

const { child: server, listening } = await standaloneServer(['--control-port', '0']);
const target = `http://127.0.0.1:${listening.port}/`;
afterAll(async () => {
  server.kill();
  await server;
});

type Stats = Record<'connectionsAccepted' | 'requestsServed' | 'connectionsReset', number>;
type Report = { stats: Stats; settings: Record<string, unknown> } & Record<string, unknown>;

/**
 * What a broken endpoint answers instead of the report (`first`: the real report when the fault
 * began); `hang`: nothing, the request stays open.
 */
const FAULTS = {
  empty: () => ({}),
  hang: null,
  'string bodyBytes': (r: Report) => ({ ...r, settings: { ...r.settings, bodyBytes: '1024' } }),
  'huge negative number': (r: Report) => ({ ...r, stats: { ...r.stats, requestsServed: -1e300 } }),
  // Every count from 0 again, as a server that restarted at the fault gives them.
  restarted: (r: Report, first: Report) => ({
    ...r,
    stats: { ...r.stats, ...Object.fromEntries((['connectionsAccepted', 'requestsServed', 'connectionsReset'] as const).map((k) => [k, r.stats[k] - first.stats[k]])) },
  }),
  'a key of terminal escapes': (r: Report) => ({ ...r, stats: { ...r.stats, '\x1b[2J\x1b]0;pwned\x07': 1 } }),
} satisfies Record<string, ((r: Report, first: Report) => unknown) | null>;
type Fault = keyof typeof FAULTS;

/**
 * A control endpoint that answers as the real one until it has answered `answers` requests and the
 * real server has served `served` more requests than when this one started, then with `fault` for
 * `times` requests (Infinity: from then on), then as the real one again.
 */
async function fakeControl(fault: Fault, { answers = 0, served = 0, times = 1 }: { answers?: number; served?: number; times?: number }) {
  const readReal = async () => (await (await fetch(`http://127.0.0.1:${listening.controlPort}/`)).json()) as Report;
  const start = (await readReal()).stats.requestsServed;
  let requests = 0;
  let faulty = 0;
  let first: Report | undefined;
  const fake = http.createServer(async (_req, res) => {
    const real = await readReal();
    if (++requests > answers && real.stats.requestsServed - start >= served && faulty < times) {
      faulty++;
      const make = FAULTS[fault];
      if (make === null) return; // no answer, ever
      first ??= real;
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(make(real, first)));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(real));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const { port } = fake.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      fake.closeAllConnections();
      fake.close();
    },
  };
}

const REQUESTS = 5000;
/**
 * A load that lasts 8 s however fast the machine is (an arrival rate): a request to the control
 * endpoint that hangs 1.5 s in runs over its 5 s limit before the variant ends.
 */
const EIGHT_SECONDS = ['--rate', '1000', '--duration', '8'];

async function runAgainst(control: number, load: number | string[]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-control-faults-'));
  const out = path.join(dir, 'r.json');
  const loadArgs = typeof load === 'number' ? ['--requests', String(load)] : load;
  const cli = await scenarioCli(['no-body-close', '--target', target, '--control-port', String(control), ...loadArgs, '--no-story', '--out', out]);
  const files = await readdir(dir);
  const result = files.includes('r.json') ? (JSON.parse(await readFile(out, 'utf8')) as Result) : null;
  return { cli, result, files };
}

/** Never a stack trace, never "failed unexpectedly", never a raw control character from the endpoint on the terminal. */
function expectNoCrash(stderr: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('failed unexpectedly');
  expect(stderr).not.toMatch(/[\x07\x1b]/);
}

describe('before the run: one line, exit 3, nothing written', () => {
  test.each([
    ['empty', "answered what is not the report of this version of the lab's server (stats: Invalid input: expected object, received undefined)"],
    ['string bodyBytes', "answered what is not the report of this version of the lab's server (settings.bodyBytes: Invalid input: expected number, received string)"],
    ['hang', 'did not answer within 5 s'],
  ] as const)('%s', async (fault, why) => {
    const fake = await fakeControl(fault, { times: Infinity });
    try {
      const { cli, files } = await runAgainst(fake.port, 100);
      expect(cli.exitCode, cli.stderr).toBe(3);
      expect(cli.stderr.trim()).toBe(`scenario: --control-port: the control endpoint ${fake.url} ${why}`);
      expect(files).toEqual([]);
    } finally {
      fake.close();
    }
  });
});

describe('during a variant: that variant fails with its reason and what was measured; the next one runs; the result is written', () => {
  // The fault comes once the misconfigured variant has made 1,500 of its 5,000 requests (and said
  // so); one wrong answer, then right ones again; a restart is for good (its counts stay low).
  test.each([
    ['empty', 1, /answered what is not the report of this version of the lab's server \(stats: Invalid input: expected object, received undefined\)/],
    ['hang', 1, /did not answer within 5 s/],
    ['string bodyBytes', 1, /\(settings\.bodyBytes: Invalid input: expected number, received string\)/],
    ['huge negative number', 1, /\(stats\.requestsServed: (Too small|Invalid input): expected int/],
    ['restarted', Infinity, /reported counts below those of the variant's start \(connectionsAccepted \d+, then \d+; requestsServed \d+, then \d+(; connectionsReset \d+, then \d+)?\): the server restarted, or is not the lab's/],
    ['a key of terminal escapes', 1, /\(stats: Unrecognized key: "\\x1b\[2J\\x1b\]0;pwned\\x07"\)/],
  ] as const)('%s', async (fault, times, why) => {
    const fake = await fakeControl(fault, { served: 1500, times });
    try {
      const { cli, result, files } = await runAgainst(fake.port, fault === 'hang' ? EIGHT_SECONDS : REQUESTS);
      expectNoCrash(cli.stderr);
      expect(cli.exitCode, cli.stderr).toBe(3);
      const last = cli.stderr.trim().split('\n').at(-1)!;
      expect(last).toMatch(/^scenario: variant bad failed: .*; the result marks it failed, with what was measured until then$/);
      expect(last).toMatch(why);
      expect(files).toEqual(['r.json']);
      expect(resultProblems(result)).toEqual([]);
      const [bad, good] = result!.variants;
      expect(bad).toMatchObject({ name: 'bad', status: 'failed', failure: { reason: 'measurement-failed' } });
      expect(bad!.failure!.message).toContain(`the control endpoint ${fake.url} `);
      // What was measured until the fault is kept.
      expect(bad!.samples.length).toBeGreaterThan(0);
      expect(bad!.summary.requests.ok).toBeGreaterThan(0);
      // The endpoint answers again: the fix runs to its end on the same server, its claims checked.
      expect(good).toMatchObject({ name: 'good', status: 'complete' });
      expect(good!.summary.requests.ok).toBe(result!.params.load!.requests);
      expect(good!.summary.connectionsOpened).toBeLessThanOrEqual(result!.params.load!.concurrency);
      expect(result!.claims.filter((c) => c.variant === 'good').every((c) => c.held)).toBe(true);
    } finally {
      fake.close();
    }
  });

  test('answers once, then never again: each variant fails at its start, with nothing measured, and the result says so', async () => {
    const fake = await fakeControl('hang', { answers: 1, times: Infinity });
    try {
      const { cli, result } = await runAgainst(fake.port, 100);
      expectNoCrash(cli.stderr);
      expect(cli.exitCode, cli.stderr).toBe(3);
      expect(result!.status).toBe('failed');
      for (const v of result!.variants) {
        expect(v).toMatchObject({ status: 'failed', failure: { reason: 'measurement-failed', message: `the control endpoint ${fake.url} did not answer within 5 s` } });
        expect(v.samples).toEqual([]);
        expect(v.summary.requests).toMatchObject({ ok: 0, failed: 0 });
      }
    } finally {
      fake.close();
    }
  });
});
