// The harness's own garbage, collected at once: before each variant's load while nothing is
// measured (run/run-scenario.ts), and at each soak iteration's end, to weigh what is still referenced.
// V8 collects when the heap grows, or when its memory reducer finds the process idle: both happen
// in a light load (keepalive-race's client idles most of the time), and a full collection of the
// harness's 30 to 60 MB heap, with its concurrent marking, took 121 and 133 ms of CPU in the two runs
// --trace-gc placed it in a variant's window, where a whole window took 38 to 62 ms (2026-12-07).
// Collected beforehand, the heap has room for the load, and the reducer waits (about 8 s after a
// full collection, --gc-memory-reducer-start-delay-ms) past a variant of the catalogue's length.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** A full collection now: a stop-the-world pause, 37 to 59 ms here with the harness's heap. */
export function collectGarbage(): void {
  // Without --expose-gc on the command line: set now, V8 gives the next new context a gc() (Node
  // warns that a flag set after start may do nothing; this one works on Node 24: test/shared/heap.test.ts).
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
