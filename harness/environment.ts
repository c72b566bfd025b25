// The environment fingerprint written into every result: what a reader needs to tell whether two
// results can be compared, and what may explain a difference between them.
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import { $ } from 'zx';

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

export type Sysctls = Record<string, string | null> & {
  ip_local_port_range: string | null;
  tcp_tw_reuse: string | null;
  tcp_fin_timeout: string | null;
};

export type Environment = {
  node: string;
  versions: { v8: string; uv: string; undici: string | null; llhttp: string | null };
  platform: string;
  arch: string;
  kernel: string;
  distribution: string | null;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  /** Keyed by the name after its last dot (`tcp_tw_reuse`); null where this kernel lacks it. */
  sysctl: Sysctls;
  lab: { version: string; commit: string | null; dirty: boolean | null };
  packages: Record<string, string>;
  /** Whether the run had network namespaces of its own (loopback runs share the host's). */
  networkNamespace: boolean;
  user: { uid: number; root: boolean };
};

const ROOT = new URL('..', import.meta.url);
/** The packages whose versions can change the figures: the load tools and the histogram. */
const LOAD_PACKAGES = ['autocannon', 'hdr-histogram-js', 'execa'];

async function readOr<T>(path: string, parse: (text: string) => T, fallback: T): Promise<T> {
  try {
    return parse(await readFile(path, 'utf8'));
  } catch {
    return fallback;
  }
}

export async function readSysctls(): Promise<Sysctls> {
  const entries = await Promise.all(
    OUTCOME_SYSCTLS.map(async (name) => {
      const value = await readOr(`/proc/sys/${name.replaceAll('.', '/')}`, (t) => t.trim().replace(/\s+/g, ' '), null);
      return [name.slice(name.lastIndexOf('.') + 1), value] as const;
    }),
  );
  return Object.fromEntries(entries) as Sysctls;
}

async function gitState(): Promise<{ commit: string | null; dirty: boolean | null }> {
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
    versions: {
      v8: process.versions.v8,
      uv: process.versions.uv ?? '',
      undici: process.versions.undici ?? null,
      llhttp: process.versions.llhttp ?? null,
    },
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
