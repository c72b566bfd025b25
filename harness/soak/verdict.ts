// Whether a soak stayed flat: each check over the iterations, with a line saying what it found.
// Pure: the iterations in, the checks out.
import { exactMismatches } from '../result/aggregate.ts';
import type { Boundary, Check, Iteration, SoakVariant } from './schema.ts';
import { formatCount } from '../shared/numbers.ts';

/**
 * The most the heap (after a forced GC) may grow from the first third of the iterations to the last,
 * as a mean of each third. Measured: under 1 MiB of warm-up over 40 iterations, after a one-time
 * drop of about 4 MiB early on (and +0.13 MiB over the 59 of a 10-minute soak); a leak of 64 KiB
 * per iteration crosses the bound over 50 iterations (mean of the last third − first = 2/3 × 50 × 64 KiB).
 */
export const HEAP_GROWTH_BOUND_BYTES = 2 * 1024 * 1024;
/** Thirds need three iterations at least. */
export const MIN_ITERATIONS = 3;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const fdText = (b: Boundary) =>
  Object.entries(b.fdKinds)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');

function variantsCompleted(iterations: Iteration[]): Check {
  const failed = iterations.flatMap((i) => i.variants.filter((v) => v.status === 'failed').map((v) => `iteration ${i.iteration} (${i.entry}) ${v.name}: ${v.failure}`));
  return {
    name: 'runs',
    held: failed.length === 0,
    detail: failed.length === 0 ? `every variant of all ${iterations.length} iterations ran to its end` : `failed: ${failed.join(' | ')}`,
  };
}

function claimsHeld(iterations: Iteration[]): Check {
  const failed = iterations.filter((i) => i.claims.failed.length > 0);
  return {
    name: 'claims',
    held: failed.length === 0,
    detail:
      failed.length === 0
        ? `every claim held in all ${iterations.length} iterations`
        : failed.map((i) => `iteration ${i.iteration} (${i.entry}): ${i.claims.failed.join('; ')}`).join(' | '),
  };
}

/** `19 ECONNRESET`: a variant's failed requests by code; empty when none failed. */
const failures = (v: SoakVariant) =>
  Object.entries(v.errorsByCode)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => `${formatCount(count)} ${code}`)
    .join(', ');

/**
 * Counts exact by construction are the same in every iteration of a scenario, among the iterations
 * where the variant lost no request. A lost request is the scenario's own physics (server-closes'
 * short-idle-timeout loses the odd one to the keep-alive race: the server closes an idle connection
 * just as the client reuses it); the claims judge those, and the check names them.
 */
function exactCountsIdentical(iterations: Iteration[]): Check {
  const problems: string[] = [];
  const leftOut: string[] = [];
  let compared = 0;
  for (const [entry, runs] of Map.groupBy(iterations, (i) => i.entry)) {
    for (const { name } of runs[0]!.variants) {
      // A failed variant's figures are partial: the runs check names it.
      const runsOf = runs.map((run) => ({ run, variant: run.variants.find((v) => v.name === name)! })).filter(({ variant }) => variant.status === 'complete');
      for (const { run, variant } of runsOf.filter(({ variant }) => failures(variant))) leftOut.push(`iteration ${run.iteration} ${entry} ${name}: ${failures(variant)}`);
      const counts = runsOf.filter(({ variant }) => !failures(variant)).map(({ variant }) => variant.exactCounts);
      if (counts.length < 2) continue;
      compared++;
      for (const m of exactMismatches(counts, runs[0]!.load)) problems.push(`${entry} ${name}: ${m.figure} ${m.values.map((x) => formatCount(x)).join(', ')}`);
    }
  }
  const leftOutText = leftOut.length > 0 ? `; left out, with failed requests: ${leftOut.join('; ')}` : '';
  return {
    name: 'exact counts',
    held: problems.length === 0 && compared > 0,
    detail:
      compared === 0 ? `no scenario ran twice without failed requests: nothing to compare${leftOutText}`
      : problems.length > 0 ? `exact by construction, but differed across iterations: ${problems.join('; ')}${leftOutText}`
      : `identical across the iterations of each scenario (${compared} variants compared)${leftOutText}`,
  };
}

/** A check of every variant of the iterations that ran in namespaces: `problem` says what is wrong with one, or null. */
function namespaceVariantsCheck(
  name: string,
  iterations: Iteration[],
  problem: (variant: SoakVariant, opened: number) => string | null,
  words: { problems: string; held: (iterations: number) => string },
): Check {
  const inNamespaces = iterations.filter((i) => i.topology === 'namespaces');
  const problems = inNamespaces.flatMap((i) =>
    i.variants.flatMap((v) => {
      const found = v.status === 'complete' ? problem(v, v.exactCounts.connectionsOpened!) : null;
      return found ? [`iteration ${i.iteration} ${v.name}: ${found}`] : [];
    }),
  );
  return {
    name,
    held: problems.length === 0,
    detail:
      inNamespaces.length === 0 ? 'no iteration ran in namespaces'
      : problems.length > 0 ? `${words.problems}: ${problems.join('; ')}`
      : words.held(inNamespaces.length),
  };
}

const kernelAgrees = (iterations: Iteration[]) =>
  namespaceVariantsCheck(
    'kernel opens',
    iterations,
    ({ kernelOpens }, opened) =>
      kernelOpens!.client === opened && kernelOpens!.server === opened ? null
      : `server ${formatCount(opened)}, client namespace ${formatCount(kernelOpens!.client)}, server namespace ${formatCount(kernelOpens!.server)}`,
    {
      problems: "the kernel's opens differ from the server's count",
      held: (runs) => `in ${runs} namespace iterations each namespace's opens equal the server's count of connections`,
    },
  );

function namespaceTimeWaitBounded(iterations: Iteration[]): Check {
  const peaks = iterations.flatMap((i) => i.variants.map((v) => (v.namespaceTimeWaitPeak ? v.namespaceTimeWaitPeak.client + v.namespaceTimeWaitPeak.server : 0)));
  return namespaceVariantsCheck(
    'namespace TIME_WAIT',
    iterations,
    ({ namespaceTimeWaitPeak: tw }, opened) => (tw!.client <= opened && tw!.server <= opened ? null : `${formatCount(tw!.client)} / ${formatCount(tw!.server)} TIME_WAIT for ${formatCount(opened)} connections`),
    {
      problems: 'a namespace held more TIME_WAIT than its variant opened connections (inherited)',
      held: () => `each side's namespace held at most one TIME_WAIT per connection of its own variant (largest pile ${formatCount(Math.max(0, ...peaks))}): nothing piles up`,
    },
  );
}

function fdsFlat(iterations: Iteration[]): Check {
  if (iterations.length < MIN_ITERATIONS) return tooFew('file descriptors', iterations);
  const [first, ...rest] = iterations.map((i) => i.after);
  const differ = rest.flatMap((b, i) => (fdText(b) === fdText(first!) ? [] : [`after iteration ${i + 2}: ${b.fds} (${fdText(b)})`]));
  return {
    name: 'file descriptors',
    held: differ.length === 0,
    detail:
      differ.length === 0
        ? `${first!.fds} open after every iteration (${fdText(first!)})`
        : `${first!.fds} after iteration 1 (${fdText(first!)}), then ${differ.join('; ')}`,
  };
}

function noneLeft(name: 'processes' | 'namespaces', iterations: Iteration[]): Check {
  const count = (b: Boundary) => (name === 'processes' ? b.processes : b.namespaces.length);
  const left = iterations.filter((i) => count(i.after) > 0);
  const seen = Math.max(0, ...iterations.map((i) => i.during[name]));
  return {
    name,
    held: left.length === 0,
    detail:
      left.length === 0
        ? `none left after any iteration (up to ${seen} seen while a variant ran)`
        : `left after iteration ${left.map((i) => `${i.iteration}: ${count(i.after)}`).join(', ')}`,
  };
}

function heapFlat(iterations: Iteration[]): Check {
  if (iterations.length < MIN_ITERATIONS) return tooFew('heap', iterations);
  const third = Math.floor(iterations.length / 3);
  const heap = iterations.map((i) => i.after.heapUsedBytes);
  const first = mean(heap.slice(0, third));
  const last = mean(heap.slice(-third));
  const growth = last - first;
  return {
    name: 'heap',
    held: growth < HEAP_GROWTH_BOUND_BYTES,
    detail: `after GC, mean of the first third (${third} iterations) ${mib(first)}, of the last third ${mib(last)}: growth ${mib(growth)} (bound ${mib(HEAP_GROWTH_BOUND_BYTES)})`,
  };
}

function tooFew(name: string, iterations: Iteration[]): Check {
  return { name, held: false, detail: `${iterations.length} iterations are too few to judge; a soak needs ${MIN_ITERATIONS} at least` };
}

export function soakChecks(iterations: Iteration[]): Check[] {
  return [
    variantsCompleted(iterations),
    claimsHeld(iterations),
    exactCountsIdentical(iterations),
    kernelAgrees(iterations),
    namespaceTimeWaitBounded(iterations),
    fdsFlat(iterations),
    noneLeft('processes', iterations),
    noneLeft('namespaces', iterations),
    heapFlat(iterations),
  ];
}
