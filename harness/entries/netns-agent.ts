// A process that stays in one of a variant's namespaces (client or server) while it runs. It sets
// the sysctls it is given there (the client's; /proc/sys/net is per network namespace, so writing
// it from inside changes this namespace only), reports the values in effect and its PID, then
// waits: the harness reads the namespace's /proc/<pid>/net/* files through it without forking. It
// exits when the harness disconnects or dies.
import { writeFile } from 'node:fs/promises';
import { getOneMessage, sendMessage } from 'execa';
import { readSysctls } from '../observe/environment.ts';
import type { AgentMessage } from '../stage/topology.ts';
import type { SysctlSettings } from '../scenario/client-sysctls.ts';

async function apply(settings: SysctlSettings): Promise<string | null> {
  // No shell and no command: each value is written into the file of its name, and only names on
  // the allow-list (client-sysctls.ts, checked for --sysctl and for scenario files) get here, so a
  // value cannot run anything and a name cannot point at another file.
  for (const [name, value] of Object.entries(settings)) {
    try {
      await writeFile(`/proc/sys/${name.replaceAll('.', '/')}`, value);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' ? `this kernel has no ${name}` : `the kernel refused ${name}="${value}" (${code})`;
    }
  }
  return null;
}

// Ctrl-C in a terminal, or its closing, signals the whole process group: the harness still reads its
// namespace's counters through this process after a drain cut short, then ends it (its channel).
for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
const { sysctls } = (await getOneMessage()) as unknown as { sysctls: SysctlSettings };
const failure = await apply(sysctls);
if (failure) {
  await sendMessage({ type: 'failed', message: failure } satisfies AgentMessage);
  process.disconnect();
} else {
  process.once('disconnect', () => process.exit(0));
  await sendMessage({ type: 'ready', pid: process.pid, sysctl: await readSysctls() } satisfies AgentMessage);
}
