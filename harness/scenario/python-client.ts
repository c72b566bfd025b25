// The Python client (clients/python/client.py): what it needs (Python 3 with requests), which Python
// runs it, and its command line for one variant. Python is optional: scenarios that use it are
// skipped, saying how to get it, where it is missing.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LabError } from '../shared/errors.ts';
import { loadFlags } from '../shapes/client-protocol.ts';
import type { ProgramCommand, Requirement } from './contract.ts';
import type { ClientContext } from '../shapes/load-settings.ts';

const CLIENT = fileURLToPath(new URL('../../clients/python/client.py', import.meta.url));
const SOURCE_FILE = 'clients/python/client.py';

/** The command the README gives for requests (.ci/run installs the same package, with the other optional toolchains). */
export const PYTHON_INSTALL = 'apt-get update && apt-get install -y python3-requests';

/**
 * The Pythons tried, in order: TIMEWAIT_PYTHON alone when set, else `python3` on PATH (a pyenv or
 * virtualenv one, say), then Debian's, which gets requests from the python3-requests package.
 */
const candidates = () => (process.env.TIMEWAIT_PYTHON ? [process.env.TIMEWAIT_PYTHON] : ['python3', '/usr/bin/python3']);

/** What a Python says of itself: its executable and version, and those of requests and urllib3 (the pool). */
const ASK = 'import json, sys, platform, requests, urllib3; print(json.dumps({"python": platform.python_version(), "python.executable": sys.executable, "requests": requests.__version__, "urllib3": urllib3.__version__}))';

type Found = Record<'python' | 'python.executable' | 'requests' | 'urllib3', string>;

const execFileAsync = promisify(execFile);

/** What a Python said of itself: the four strings asked for, or null for anything else. */
function parseAnswer(stdout: string): Found | null {
  try {
    const answer = JSON.parse(stdout) as Record<string, unknown>;
    const keys = ['python', 'python.executable', 'requests', 'urllib3'] as const;
    return keys.every((key) => typeof answer[key] === 'string') ? (Object.fromEntries(keys.map((key) => [key, answer[key]])) as Found) : null;
  } catch {
    return null;
  }
}

/** The first Python that imports requests, asked once per process; null when none does. */
let found: Promise<Found | null> | undefined;
function findPython(): Promise<Found | null> {
  found ??= (async () => {
    for (const python of candidates()) {
      // node:child_process, not execa: `npm run scenario -- --list` asks this, and its start is measured (npm run bench).
      const asked = await execFileAsync(python, ['-c', ASK], { timeout: 10_000 }).catch(() => null);
      const answer = asked && parseAnswer(asked.stdout);
      if (answer) return answer;
    }
    return null;
  })();
  return found;
}

async function python(): Promise<Found> {
  const python = await findPython();
  if (!python) {
    throw new LabError(
      `this scenario runs a Python client and no Python 3 with requests was found (tried ${candidates().join(', ')}): install it (${PYTHON_INSTALL}), or name one with TIMEWAIT_PYTHON`,
    );
  }
  return python;
}

/** The executable of the Python found, once prepare() found it: the variants run it by its path. */
let executable: string | undefined;

export const PYTHON_REQUESTS: Requirement = {
  what: 'Python 3 with requests',
  howToGet: `${PYTHON_INSTALL}, or name a Python 3 that has it with TIMEWAIT_PYTHON`,
  available: async () => (await findPython()) !== null,
  prepare: async () => {
    executable = (await python())['python.executable'];
  },
  versions: python,
};

/** Each mode of the Python client, and the function in clients/python/client.py that is its code. */
const PYTHON_MODES = { 'get-per-call': 'get_per_call', session: 'session', 'pool-full': 'pool_full', 'pool-sized': 'pool_sized' } as const;
export type PythonMode = keyof typeof PYTHON_MODES;

/** The Python client in `mode`, under the run's load, and its code as clients/python/client.py has it. */
export function pythonClient(mode: PythonMode) {
  return {
    requires: PYTHON_REQUESTS,
    program: (context: ClientContext): ProgramCommand => {
      // The run prepares its requirements before any variant runs.
      if (!executable) throw new Error('the Python client runs only once PYTHON_REQUESTS is prepared');
      return { file: executable, args: [CLIENT, '-mode', mode, ...loadFlags(context)] };
    },
    source: () => ({ file: SOURCE_FILE, lines: pythonFunction(PYTHON_MODES[mode]) }),
  };
}

/** The lines of top-level function `name` in client.py: from `def name(` to the last indented line before the next top-level line. */
function pythonFunction(name: string): string[] {
  const lines = readFileSync(CLIENT, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`def ${name}(`));
  if (start < 0) throw new Error(`${SOURCE_FILE} has no function ${name}`);
  const next = lines.findIndex((l, i) => i > start && l !== '' && !/^\s/.test(l));
  const body = lines.slice(start, next < 0 ? lines.length : next);
  while (body.at(-1) === '') body.pop();
  return body;
}
