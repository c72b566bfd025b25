// Runs a variant whose client is another program (e.g. clients/go). The program gets the load as
// flags, and prints one JSON object per line on stdout, the same messages a Node client sends over
// IPC: {"type":"progress","done":N,"failed":N,"elapsedMs":N} while it runs, then once
// {"type":"done","ok":N,"failed":N,"errorsByCode":{...},"firstFailure":null|{...},"durationMs":N,
// "latencyMs":{"p50":N,"p90":N,"p99":N,"max":N,"mean":N}}.
import { z } from 'zod';
import { clientFailure } from './client-failure.ts';
import { VariantFailure } from '../shared/errors.ts';
import { startProgram } from './processes.ts';
import type { LoadOutcome, LoadProgress } from './load.ts';
import type { ClientContext, ProgramVariant } from '../scenario/contract.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();
const messageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('progress'), done: count, failed: count, elapsedMs: ms }),
  z.strictObject({
    type: z.literal('done'),
    ok: count,
    failed: count,
    errorsByCode: z.record(z.string(), count),
    firstFailure: z.strictObject({ request: count, tMs: ms, code: z.string() }).nullable(),
    durationMs: ms,
    latencyMs: z.strictObject({ p50: ms, p90: ms, p99: ms, max: ms, mean: ms }),
    clientCounters: z.record(z.string(), count).optional(),
  }),
]);

/** The flags every program client takes: the load, spelled as LoadSettings names it. */
export function loadFlags({ url, load }: ClientContext): string[] {
  return [
    '-url', url,
    '-requests', String(load.requests),
    '-concurrency', String(load.concurrency),
    '-pattern', load.pattern,
    '-burst-gap-ms', String(load.burstGapMs),
    '-gap-spread-ms', String(load.gapSpreadMs ?? 0),
  ];
}

export async function runProgramClient(
  variant: ProgramVariant,
  context: ClientContext,
  timeLimitMs: number,
  onProgress: (progress: LoadProgress) => void = () => {},
  { netns, signal }: { netns?: string; signal?: AbortSignal } = {},
): Promise<LoadOutcome> {
  const { file, args, env } = variant.program(context);
  // `ip netns exec` enters the namespace, then execs the program with its arguments and environment.
  const command = netns ? ['ip', 'netns', 'exec', netns, file, ...args] : [file, ...args];
  const child = startProgram(command[0]!, command.slice(1), { timeout: timeLimitMs, cancelSignal: signal, env });
  let outcome: LoadOutcome | undefined;
  let bad: string | undefined;
  try {
    for await (const line of child.iterable({ from: 'stdout' })) {
      const parsed = messageSchema.safeParse(safeJson(line));
      if (!parsed.success) {
        bad ??= line.slice(0, 200);
        continue;
      }
      const { type, ...message } = parsed.data;
      if (type === 'progress') onProgress(message as LoadProgress);
      else outcome = message as LoadOutcome;
    }
    await child;
  } catch (error) {
    throw clientFailure(error, `the client program of variant "${variant.name}"`, variant.name, timeLimitMs, signal);
  }
  if (!outcome) {
    throw new VariantFailure('client-exited', `the client program of variant "${variant.name}" reported no result${bad ? `; it printed: ${bad}` : ''}`);
  }
  return outcome;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
