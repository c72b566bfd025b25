// The harness's full garbage collection, without --expose-gc on the command line (vitest's workers
// have none): an object nothing refers to any more is gone after it, and only then.
import { setTimeout as pause } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { collectGarbage } from '../../harness/shared/heap.ts';

test('collectGarbage() collects what nothing refers to, in a process started without --expose-gc', async () => {
  expect(process.execArgv).not.toContain('--expose-gc');
  let held: object | null = { big: new Array(1000).fill('x') };
  const ref = new WeakRef(held);
  // A WeakRef keeps its target alive until the job that made it ends (ECMA-262 AddToKeptObjects).
  await pause(0);
  collectGarbage();
  expect(ref.deref()).toBe(held);
  held = null;
  await pause(0);
  collectGarbage();
  expect(ref.deref()).toBeUndefined();
});
