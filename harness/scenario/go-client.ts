// The Go client (clients/go): what it needs (a Go toolchain), its build, offline, into the git-ignored
// .cache/go/, and its command line for one variant. Go is optional: scenarios that use it are skipped,
// saying how to get it, where it is missing.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LabError } from '../shared/errors.ts';
import { onPath } from '../shared/on-path.ts';
import { loadFlags } from '../shapes/client-protocol.ts';
import type { ProgramCommand, Requirement } from './contract.ts';
import type { ClientContext } from '../shapes/load-settings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIR = `${ROOT}clients/go`;
const CACHE_DIR = `${ROOT}.cache/go`;
export const GO_CLIENT_BINARY = `${CACHE_DIR}/timewait-client`;

/** The command the README gives for Go (.ci/run installs the same package, with the other optional toolchains). */
export const GO_INSTALL = 'apt-get update && apt-get install -y golang-go';

/**
 * Never reach the network: the standard library is all the client uses. GOTOOLCHAIN=local stops
 * Go >= 1.21 from fetching a newer toolchain, GOPROXY=off any module; the build cache stays in the repo.
 */
const GO_ENV = {
  GOTOOLCHAIN: 'local',
  GOPROXY: 'off',
  GOFLAGS: '-mod=readonly',
  GOCACHE: `${CACHE_DIR}/build`,
  GOPATH: `${CACHE_DIR}/path`,
};

/** The go command: TIMEWAIT_GO names another one (e.g. /usr/lib/go-1.22/bin/go), else `go` on PATH. */
const goCommand = () => process.env.TIMEWAIT_GO || 'go';

// Found, not run: `npm run scenario -- --list` asks this of every scenario (build() runs it).
const goAvailable = () => onPath(goCommand());

let built: Promise<void> | undefined;

async function build(): Promise<void> {
  if (!(await goAvailable())) {
    throw new LabError(`this scenario runs a Go client and '${goCommand()}' was not found: install Go (${GO_INSTALL}), or see the README`);
  }
  const { execa } = await import('execa');
  const result = await execa(goCommand(), ['build', '-o', GO_CLIENT_BINARY, '.'], { cwd: SOURCE_DIR, env: GO_ENV, reject: false, all: true });
  if (result.exitCode !== 0) {
    const lines = String(result.all ?? '').trim().split('\n');
    throw new LabError(`building the Go client (clients/go) failed: ${lines.at(-1) ?? `exit ${result.exitCode}`}`);
  }
}

/** The Go release that builds the client: `go version` prints `go version go1.19.8 linux/amd64`. */
async function goVersion(): Promise<Record<string, string>> {
  const { execa } = await import('execa');
  const { stdout } = await execa(goCommand(), ['version'], { env: GO_ENV });
  return { go: stdout.split(' ')[2] ?? stdout };
}

export const GO_TOOLCHAIN: Requirement = {
  what: 'the Go toolchain (go)',
  howToGet: GO_INSTALL,
  available: goAvailable,
  versions: goVersion,
  /** Builds once per process; Go's own cache makes a rebuild of an unchanged source quick. */
  prepare: () => (built ??= build().catch((error: unknown) => {
    built = undefined;
    throw error;
  })),
};

/** Each mode of the Go client, and the function in clients/go/main.go that is its code. */
const GO_MODES = { 'no-close': 'noClose', 'close-unread': 'closeUnread', 'default-transport': 'defaultTransport', tuned: 'tuned' } as const;
export type GoMode = keyof typeof GO_MODES;

/** The Go client in `mode`, under the run's load, and its code as clients/go/main.go has it. */
export function goClient(mode: GoMode) {
  return {
    requires: GO_TOOLCHAIN,
    program: (context: ClientContext): ProgramCommand => ({ file: GO_CLIENT_BINARY, args: ['-mode', mode, ...loadFlags(context)] }),
    source: () => ({ file: 'clients/go/main.go', lines: goFunction(GO_MODES[mode]) }),
  };
}

/** The lines of top-level function `name` in main.go, as gofmt writes it: from `func name(` to the first `}` at column 0. */
function goFunction(name: string): string[] {
  const lines = readFileSync(`${SOURCE_DIR}/main.go`, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`func ${name}(`));
  const end = lines.indexOf('}', start);
  if (start < 0 || end < 0) throw new Error(`clients/go/main.go has no function ${name}`);
  // Tabs as the terminal and the report show them: two spaces.
  return lines.slice(start, end + 1).map((l) => l.replace(/^\t+/, (tabs) => '  '.repeat(tabs.length)));
}
