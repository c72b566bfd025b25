// After the whole suite: no process of the lab may be left running (servers, clients, namespace
// agents, the CLI), no network namespace the lab made may be left behind, and nothing new may be
// in the repository's results/ (the user's own results live there: tests write elsewhere).
import { readdir, readFile } from 'node:fs/promises';
import { leftoverNamespaces } from '../../harness/stage/netns.ts';
import { leftoverInstances } from '../../harness/observe/tracer.ts';
import { ROOT } from './helpers.ts';

const LAB_ENTRIES = [
  'servers/http-server.ts',
  'harness/entries/client.ts',
  'harness/entries/netns-agent.sh',
  'harness/entries/ss-helper.sh',
  'harness/commands/scenario.ts',
  'harness/commands/measure.ts',
  'harness/commands/workshop.ts',
  'harness/commands/report.ts',
  'harness/commands/soak.ts',
  'harness/commands/bench.ts',
  'harness/commands/server.ts',
  'harness/commands/observe.ts',
  'bench/entries/sampler-worker.ts',
  'bench/entries/fetch-client.ts',
  'bench/entries/connect-loop.ts',
  '.cache/go/timewait-client',
  'clients/python/client.py',
];

export async function labProcesses(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (args.some((a) => LAB_ENTRIES.some((entry) => a === `${ROOT}/${entry}`))) found.push(`${pid}: ${args.join(' ').trim()}`);
  }
  return found;
}

/** What is in the repository's results/ folder (names only, not its subfolders' contents). */
const resultsFolder = () => readdir(`${ROOT}/results`).catch(() => [] as string[]);

export default async function setup() {
  const resultsBefore = new Set(await resultsFolder());
  return async function teardown() {
    // Give processes that are exiting a moment to be reaped.
    for (let i = 0; i < 20 && (await labProcesses()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const left = await labProcesses();
    if (left.length > 0) throw new Error(`lab processes left running after the suite:\n${left.join('\n')}`);
    // Namespaces whose run has ended: the runs of this suite are all over by now.
    const namespaces = await leftoverNamespaces();
    if (namespaces.length > 0) {
      throw new Error(`lab network namespaces left after the suite (remove them with npm run clean):\n${namespaces.map((ns) => ns.name).join('\n')}`);
    }
    // Tracing instances whose run has ended (harness/observe/tracer.ts).
    const instances = await leftoverInstances();
    if (instances.length > 0) {
      throw new Error(`lab tracing instances left after the suite (remove them with npm run clean):\n${instances.map((i) => i.name).join('\n')}`);
    }
    const added = (await resultsFolder()).filter((name) => !resultsBefore.has(name));
    if (added.length > 0) {
      throw new Error(`the suite left files in results/ (a test must write with --out or --out-dir to a temporary folder):\n${added.join('\n')}`);
    }
  };
}
