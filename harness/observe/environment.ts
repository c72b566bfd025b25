// The environment fingerprint written into every result: what a reader needs to tell whether two
// results can be compared, and what may explain a difference between them.
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { positiveCount } from '../shapes/zod.ts';

/** The TCP sysctls that change the outcome of a scenario, read from /proc/sys (per namespace). */
export const OUTCOME_SYSCTLS = [
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_tw_reuse',
  'net.ipv4.tcp_tw_reuse_delay',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_max_tw_buckets',
  'net.ipv4.tcp_timestamps',
  'net.core.somaxconn',
] as const;

/** `net.ipv4.tcp_tw_reuse` → `tcp_tw_reuse`: the key a sysctl has in the fingerprint. */
type LastName<Name extends string> = Name extends `${string}.${infer Rest}` ? LastName<Rest> : Name;
const lastName = <Name extends string>(name: Name) => name.slice(name.lastIndexOf('.') + 1) as LastName<Name>;

export const sysctlsSchema = z
  .strictObject(
    Object.fromEntries(OUTCOME_SYSCTLS.map((name) => [lastName(name), z.string().nullable()])) as Record<
      LastName<(typeof OUTCOME_SYSCTLS)[number]>,
      z.ZodNullable<z.ZodString>
    >,
  )
  .meta({ description: 'The TCP sysctls that change the outcome, as read from /proc/sys; null where this kernel lacks one.' });
export type Sysctls = z.infer<typeof sysctlsSchema>;

export const environmentSchema = z
  .strictObject({
    node: z.string().meta({ description: 'process.version' }),
    versions: z
      .looseObject({ node: z.string(), v8: z.string(), uv: z.string(), undici: z.string() })
      .catchall(z.string())
      .meta({ description: "Node's process.versions, whole." }),
    platform: z.string(),
    arch: z.string(),
    kernel: z.string().meta({ description: 'Kernel release (uname -r).' }),
    distribution: z.string().nullable().meta({ description: 'PRETTY_NAME from /etc/os-release.' }),
    cpus: positiveCount,
    cpuModel: z.string(),
    memoryBytes: positiveCount,
    sysctl: sysctlsSchema,
    lab: z.strictObject({
      version: z.string(),
      commit: z.string().nullable().meta({ description: 'git HEAD; null outside a git checkout.' }),
      dirty: z.boolean().nullable().meta({ description: 'Tracked files changed since the commit; null outside a git checkout.' }),
    }),
    packages: z.record(z.string(), z.string()).meta({ description: 'Versions of the packages that produce the load and the figures.' }),
    networkNamespace: z.boolean().meta({ description: 'Whether the run had network namespaces of its own.' }),
    user: z.strictObject({ uid: z.number().int(), root: z.boolean() }),
  })
  .meta({ id: 'Environment', description: 'The environment fingerprint: what may explain a difference between two results.' });
export type Environment = z.infer<typeof environmentSchema>;

const ROOT = new URL('../..', import.meta.url);
/** The packages whose versions can change the figures: the load tools and the histogram. */
const LOAD_PACKAGES = ['autocannon', 'hdr-histogram-js', 'execa'];

async function readOr<T>(path: string, parse: (text: string) => T, fallback: T): Promise<T> {
  try {
    return parse(await readFile(path, 'utf8'));
  } catch {
    return fallback;
  }
}

/** A sysctl's value as the fingerprint keeps it, its fields separated by one space (/proc/sys separates some by tabs). */
export const sysctlValue = (text: string) => text.trim().replace(/\s+/g, ' ');

/** The fingerprint's sysctls from the value of each outcome sysctl by its name (null where this kernel lacks one). */
export const sysctlsFrom = (valueOf: (name: (typeof OUTCOME_SYSCTLS)[number]) => string | null): Sysctls =>
  Object.fromEntries(OUTCOME_SYSCTLS.map((name) => [lastName(name), valueOf(name)])) as Sysctls;

/** This process's namespace's outcome sysctls. */
export async function readSysctls(): Promise<Sysctls> {
  const values = await Promise.all(OUTCOME_SYSCTLS.map((name) => readOr(`/proc/sys/${name.replaceAll('.', '/')}`, sysctlValue, null)));
  return sysctlsFrom((name) => values[OUTCOME_SYSCTLS.indexOf(name)]!);
}

async function gitState(): Promise<{ commit: string | null; dirty: boolean | null }> {
  // Loaded here: the namespace agents read the sysctls from this module and never run git.
  const { $ } = await import('zx');
  const git = $({ cwd: ROOT.pathname, nothrow: true, quiet: true });
  const commit = await git`git rev-parse HEAD`;
  if (commit.exitCode !== 0) return { commit: null, dirty: null };
  const status = await git`git status --porcelain --untracked-files=no`;
  return { commit: commit.stdout.trim(), dirty: status.stdout.trim().length > 0 };
}

const versionOf = async (path: URL) => (JSON.parse(await readFile(path, 'utf8')) as { version: string }).version;

export async function readEnvironment(networkNamespace = false): Promise<Environment> {
  const cpus = os.cpus();
  const uid = process.getuid?.() ?? -1;
  return {
    node: process.version,
    // Node >= 18 bundles undici (fetch); the schema requires it, so the write fails loudly without it.
    versions: Object.fromEntries(Object.entries(process.versions).filter(([, v]) => v !== undefined)) as Environment['versions'],
    platform: process.platform,
    arch: process.arch,
    kernel: os.release(),
    distribution: await readOr('/etc/os-release', (t) => /^PRETTY_NAME="?([^"\n]*)"?/m.exec(t)?.[1] ?? null, null),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    sysctl: await readSysctls(),
    lab: { version: await versionOf(new URL('package.json', ROOT)), ...(await gitState()) },
    packages: Object.fromEntries(
      await Promise.all(LOAD_PACKAGES.map(async (name) => [name, await versionOf(new URL(`node_modules/${name}/package.json`, ROOT))])),
    ),
    networkNamespace,
    user: { uid, root: uid === 0 },
  };
}
