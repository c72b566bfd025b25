// The agent a stage keeps in each of a variant's namespaces (harness/entries/netns-agent.sh, a
// shell): the process the harness reads that namespace's /proc/<pid>/net files through, and, in the
// client's, the one that sets its sysctls and reads the values in effect. Its answer is checked
// here, line by line, before anything of it is used.
import { createInterface } from 'node:readline';
import { LabError, UsageError } from '../shared/errors.ts';
import { startHelper } from '../process/start.ts';
import { howItEnded, lastStderrLine } from '../process/tracked.ts';
import { OUTCOME_SYSCTLS, sysctlsFrom, sysctlValue, type Sysctls } from '../observe/environment.ts';
import type { SysctlSettings } from '../scenario/client-sysctls.ts';

const ENTRY = new URL('../entries/netns-agent.sh', import.meta.url).pathname;

export interface NamespaceAgent {
  pid: number;
  /** The outcome sysctls in effect in the namespace, once the agent has set its own. */
  sysctl: Sysctls;
  /** Settles, with how, when the agent ends, however it ends. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** `net.ipv4.tcp_tw_reuse` → `net/ipv4/tcp_tw_reuse`, its file under /proc/sys. */
const fileOf = (name: string) => name.replaceAll('.', '/');

/**
 * Starts the agent in namespace `netns`, has it set `sysctls` there (names from the allow-list,
 * harness/scenario/client-sysctls.ts), and resolves once it has answered: with the values in effect.
 */
export async function startAgent(netns: string, sysctls: SysctlSettings): Promise<NamespaceAgent> {
  const args = [...OUTCOME_SYSCTLS.map(fileOf), '--', ...Object.entries(sysctls).flatMap(([name, value]) => [fileOf(name), value])];
  const child = startHelper('ip', ['netns', 'exec', netns, 'sh', ENTRY, ...args]);
  child.stdin.on('error', () => {}); // an agent that died: told by `exited`
  const exited = child.then(howItEnded, howItEnded);
  const stop = async () => {
    child.kill();
    await child.catch(() => {});
  };
  try {
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') return { pid: child.pid!, sysctl: effective(lines, sysctls), exited, stop };
      lines.push(line);
    }
    throw new LabError(`the namespace agent in ${netns} ${await exited} before it was ready: ${lastStderrLine(await child.catch((e: unknown) => e))}`);
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The values in effect from the agent's lines (netns-agent.sh says their form); refuses a sysctl the kernel did not take. */
function effective(lines: string[], sysctls: SysctlSettings): Sysctls {
  const nameOf = (file: string) => file.replaceAll('/', '.');
  const values = new Map<string, string>();
  let reading = false;
  for (const line of lines) {
    const [kind, file, status] = line.split('\t');
    const name = nameOf(file ?? '');
    if (!reading && kind === 'set' && name in sysctls && status !== undefined) {
      if (status === 'missing') throw new UsageError(`cannot set the client sysctls: this kernel has no ${name}`);
      if (status === 'refused') throw new UsageError(`cannot set the client sysctls: the kernel refused ${name}="${sysctls[name]}"`);
      if (status === 'ok') continue;
    }
    const value = /^([a-z0-9_/]+):(.*)$/.exec(line);
    if (!reading && line === 'values') reading = true;
    else if (reading && value && OUTCOME_SYSCTLS.includes(nameOf(value[1]!) as (typeof OUTCOME_SYSCTLS)[number])) values.set(nameOf(value[1]!), sysctlValue(value[2]!));
    else throw new LabError(`the namespace agent answered a line it should not: ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (!reading) throw new LabError('the namespace agent did not report the sysctls in effect');
  // A file the kernel lacks is left out of the agent's lines.
  return sysctlsFrom((name) => values.get(name) ?? null);
}
