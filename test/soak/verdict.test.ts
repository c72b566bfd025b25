// The soak's checks on made-up iterations: each one fails when its figure moves, so a flat verdict
// means something. (The real soak's figures are checked in soak.test.ts.)
import { describe, expect, test } from 'vitest';
import type { Iteration } from '../../harness/soak/schema.ts';
import { HEAP_GROWTH_BOUND_BYTES, soakChecks } from '../../harness/soak/verdict.ts';

const MiB = 2 ** 20;

function iteration(number: number, change: (i: Iteration) => void = () => {}): Iteration {
  const i: Iteration = {
    iteration: number,
    entry: 'no-body-close@namespaces',
    scenario: 'no-body-close',
    topology: 'namespaces',
    load: { requests: 300, concurrency: 20 },
    startedAt: '2026-11-24T00:00:00.000Z',
    durationMs: 5000,
    claims: { held: 6, total: 6, failed: [] },
    variants: [
      { name: 'bad', role: 'misconfigured', status: 'complete', failure: null, exactCounts: { connectionsOpened: 300, requestsServed: 300, 'requests.ok': 300 }, errorsByCode: {}, kernelOpens: { client: 300, server: 300 }, namespaceTimeWaitPeak: { client: 300, server: 0 } },
      { name: 'good', role: 'fix', status: 'complete', failure: null, exactCounts: { connectionsOpened: 20, requestsServed: 300, 'requests.ok': 300 }, errorsByCode: {}, kernelOpens: { client: 20, server: 20 }, namespaceTimeWaitPeak: { client: 20, server: 0 } },
    ],
    during: { processes: 2, namespaces: 2 },
    after: { fds: 22, fdKinds: { pipe: 9, socket: 0, '/dev/null': 13 }, rssBytes: 140 * MiB, rssAnonBytes: 90 * MiB, rssFileBytes: 50 * MiB, heapUsedBytes: 18 * MiB, externalBytes: 4 * MiB, processes: 0, namespaces: [], hostTimeWait: 0 },
  };
  change(i);
  return i;
}

const soak = (changes: Record<number, (i: Iteration) => void> = {}) => Array.from({ length: 6 }, (_, k) => iteration(k + 1, changes[k + 1]));
const failed = (iterations: Iteration[]) => soakChecks(iterations).filter((c) => !c.held).map((c) => c.name);

describe('soak checks', () => {
  test('a soak where nothing moves is flat', () => {
    expect(failed(soak())).toEqual([]);
  });

  test.each([
    ['file descriptors', { 4: (i: Iteration) => void ((i.after.fds = 23), (i.after.fdKinds.socket = 1)) }],
    ['processes', { 3: (i: Iteration) => void (i.after.processes = 1) }],
    ['namespaces', { 3: (i: Iteration) => void (i.after.namespaces = ['twlab-1-5-srv']) }],
    ['runs', { 4: (i: Iteration) => void ((i.variants[1]!.status = 'failed'), (i.variants[1]!.failure = 'the server exited (signal SIGKILL)'), (i.variants[1]!.exactCounts.connectionsOpened = 7)) }],
    ['claims', { 2: (i: Iteration) => void (i.claims = { held: 5, total: 6, failed: ['bad: connections per request >= 0.9 (measured 0.5)'] }) }],
    ['exact counts', { 5: (i: Iteration) => void (i.variants[0]!.exactCounts['requests.ok'] = 299) }],
    ['kernel opens', { 5: (i: Iteration) => void (i.variants[1]!.kernelOpens = { client: 21, server: 20 }) }],
    ['namespace TIME_WAIT', { 2: (i: Iteration) => void (i.variants[0]!.namespaceTimeWaitPeak!.client = 600) }],
  ])('%s: one change makes the soak not flat', (name, changes) => {
    expect(failed(soak(changes))).toEqual([name]);
  });

  test('the heap may settle, but not grow by the bound from the first third to the last', () => {
    const heap = (bytes: number) => (i: Iteration) => void (i.after.heapUsedBytes = bytes);
    // Start-up code collected after the first iterations: the heap falls, which is flat.
    expect(failed(soak({ 1: heap(22 * MiB), 2: heap(22 * MiB) }))).toEqual([]);
    const grown = 18 * MiB + HEAP_GROWTH_BOUND_BYTES;
    expect(failed(soak({ 5: heap(grown), 6: heap(grown) }))).toEqual(['heap']);
  });

  test('a variant that lost requests (a race of its scenario) is left out of the comparison, and named', () => {
    const raced = (i: Iteration) => {
      i.variants[0]!.exactCounts = { connectionsOpened: 281, requestsServed: 281, 'requests.ok': 281 };
      i.variants[0]!.errorsByCode = { ECONNRESET: 19 };
      i.variants[0]!.kernelOpens = { client: 281, server: 281 };
    };
    const [exact] = soakChecks(soak({ 3: raced })).filter((c) => c.name === 'exact counts');
    expect(exact).toEqual({
      name: 'exact counts',
      held: true,
      detail: 'identical across the iterations of each scenario (2 variants compared); left out, with failed requests: iteration 3 no-body-close@namespaces bad: 19 ECONNRESET',
    });
  });

  test('too few iterations to judge are not flat; figures that are not exact by construction may differ', () => {
    expect(failed(soak().slice(0, 2))).toEqual(['file descriptors', 'heap']);
    // tiny-pool's misconfigured client reopens most connections, a number that depends on timing.
    const opened = (count: number) => (i: Iteration) => {
      i.variants[0]!.exactCounts.connectionsOpened = count;
      i.variants[0]!.kernelOpens = { client: count, server: count };
      i.variants[0]!.namespaceTimeWaitPeak = { client: count, server: 0 };
    };
    expect(failed(soak({ 1: opened(281), 2: opened(279), 3: opened(283), 4: opened(280), 5: opened(282), 6: opened(284) }))).toEqual([]);
  });
});
