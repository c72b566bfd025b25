// Runs wrk (Debian package `wrk`) for a fixed number of responses (wrk-fixed-count.lua) and returns
// its own counts. wrk is optional: when it is not on PATH the benchmark says so and goes on.
import { execa } from 'execa';
import { z } from 'zod';

const SCRIPT = new URL('./wrk-fixed-count.lua', import.meta.url).pathname;
const MARKER = 'twl-limit-reached';

const wrkSummary = z.object({
  responses: z.number(),
  durationUs: z.number(),
  errors: z.object({ connect: z.number(), read: z.number(), write: z.number(), status: z.number(), timeout: z.number() }),
});
export type WrkSummary = z.infer<typeof wrkSummary>;

export async function runWrk(url: string, requests: number, connections: number, timeLimitS: number): Promise<WrkSummary> {
  // One thread: the server under test is one Node process, and the machine may have two cores.
  const wrk = execa('wrk', ['-t1', `-c${connections}`, `-d${timeLimitS}s`, '-s', SCRIPT, url, '--', String(requests)], {
    stdin: 'ignore',
    timeout: (timeLimitS + 10) * 1000,
  });
  let seen = '';
  wrk.stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    if (seen.includes(MARKER)) wrk.kill('SIGINT');
  });
  const { stdout } = await wrk;
  const line = stdout.split('\n').find((l) => l.startsWith('{"responses"'));
  const parsed = wrkSummary.safeParse(line ? JSON.parse(line) : null);
  if (!parsed.success) throw new Error(`wrk did not print its summary; it printed: ${stdout.trim().split('\n').at(-1) ?? ''}`);
  return parsed.data;
}
