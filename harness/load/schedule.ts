// The open model's clock: slot i of a load at `rate` a second falls due at origin + i × 1000 / rate
// ms, fixed in advance, so the rate never drifts with how long answers take or how late the event
// loop wakes. A late wake-up fires every slot that has come due, at once (a catch-up burst), as
// wrk2 does (its "constant throughput" scheduler) and k6's constant-arrival-rate executor.

/**
 * A catch-up burst fires at most this many slots, or for at most this long, before it lets the
 * event loop run (answers arrive, progress is reported); the slots it left fire at the next turn.
 */
export const BURST_MAX_SLOTS = 256;
export const BURST_MAX_MS = 5;

/**
 * Calls `fire(slot, dueMs)` once for each slot from 0 to `slots` − 1, at `origin` + slot × 1000 /
 * `rate` ms (performance.now()'s clock; `dueMs` is that time), never before; resolves once the
 * last has fired. `fire` must not throw: it starts a request, or counts it dropped.
 */
export function runSchedule(rate: number, slots: number, fire: (slot: number, dueMs: number) => void, origin = performance.now()): Promise<void> {
  const dueMs = (slot: number) => origin + (slot * 1000) / rate;
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const burstStart = performance.now();
      for (let fired = 0; next < slots && dueMs(next) <= performance.now(); fired++) {
        if (fired >= BURST_MAX_SLOTS || performance.now() - burstStart >= BURST_MAX_MS) return void setImmediate(tick);
        fire(next, dueMs(next));
        next++;
      }
      if (next >= slots) return resolve();
      // Node's timers count whole milliseconds and fire no earlier than asked: round up, never wake early.
      setTimeout(tick, Math.ceil(dueMs(next) - performance.now()));
    };
    tick();
  });
}
