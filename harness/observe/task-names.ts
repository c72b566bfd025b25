// The name of the task that called connect(): a ring-buffer record carries only its thread id
// (common_pid); the text trace looked the name up in the kernel's saved_cmdlines as it printed. Read
// as the trace is (the buffer emptied every few hundred ms), /proc/<tid>/comm is read when a thread
// id first connects (it runs then, or did a moment ago) and kept for its next connects; a task
// already gone is looked up in the tracefs `saved_cmdlines` (the names the kernel saved as it
// recorded events, by PID), else named `<...>` as the text trace names a task it has no name for.
// Read once the traced load is over (`savedFirst`: the pages held until the tracer stops), the
// tasks have mostly exited and their thread ids may be another's: saved_cmdlines comes first then.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StateChange } from './state-change.ts';

/** Thread ids kept with their name: a PID used again by another program within one trace keeps the first one's (bounded). */
const KEPT = 10_000;
/** A task the lab has no name for. */
export const UNKNOWN_TASK = '<...>';

/** `PID COMM` per line (kernel/trace/trace_sched_switch.c, saved_cmdlines_show). */
function savedCmdlines(tracefs: string): Map<number, string> {
  const names = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(path.join(tracefs, 'saved_cmdlines'), 'utf8');
  } catch {}
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) names.set(Number(line.slice(0, space)), line.slice(space + 1));
  }
  return names;
}

/** The name of a running thread, or null once it is gone. */
function runningName(tid: number): string | null {
  try {
    return readFileSync(`/proc/${tid}/comm`, 'utf8').trimEnd();
  } catch {
    return null;
  }
}

/** Names the connects (CLOSE -> SYN_SENT) of each batch handed to it, in place. */
export function taskNamer(tracefs: string, { savedFirst = false } = {}): (changes: StateChange[]) => void {
  const known = new Map<number, string>();
  return (changes) => {
    let saved: Map<number, string> | null = null;
    const savedName = (tid: number) => (saved ??= savedCmdlines(tracefs)).get(tid) ?? null;
    for (const change of changes) {
      if (change.oldstate !== 'CLOSE' || change.newstate !== 'SYN_SENT') continue;
      let name = known.get(change.pid);
      if (name === undefined) {
        name = (savedFirst ? (savedName(change.pid) ?? runningName(change.pid)) : (runningName(change.pid) ?? savedName(change.pid))) ?? UNKNOWN_TASK;
        if (known.size >= KEPT) known.clear();
        known.set(change.pid, name);
      }
      change.task = name;
    }
  };
}
