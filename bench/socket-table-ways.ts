// The ways to learn, once, how many sockets are in each state on each side of the server's port:
// the lab's sampler and the commands people already use, each carried to the same answer (counts
// per side), so their costs compare like for like. /proc/net/sockstat answers less (the whole
// namespace's TIME_WAIT, no sides) and is measured as the floor.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parseInetDiag } from '../harness/observe/inet-diag.ts';
import { parseSockstat } from '../harness/shapes/proc-net.ts';
import { procProbe, type SsRunner } from '../harness/observe/probes.ts';
import { sampleOnce, type Sample } from '../harness/observe/sampler.ts';
import { countBySide, parseSs, type SideCounts } from '../harness/observe/ss-parse.ts';
import { parseNetstat, parseProcNetTcp } from './table-parsers.ts';

export type Information = 'per-side' | 'namespace-total';

export interface Way {
  name: string;
  /** What it runs, as a user would type it. */
  command: string;
  information: Information;
  /** A command it needs that may not be installed (the others, ss and /proc, the lab needs anyway). */
  needs?: { command: string; install: string };
  /**
   * A reader for one port: per-side counts, or for namespace-total ways the namespace's TIME_WAIT.
   * `ss` runs ss as a run's sampler does (through its helper, harness/stage/ss-helper.ts).
   */
  reader(port: number, ss: SsRunner): () => Promise<SideCounts | number>;
}

// Every other command is forked from this process as the lab's sampler used to fork ss.
const execFileAsync = promisify(execFile);
const MAX_BYTES = 1 << 30;
const text = async (file: string, args: string[]) => (await execFileAsync(file, args, { maxBuffer: MAX_BYTES })).stdout;

export const WAYS: Way[] = [
  {
    name: 'lab sampler',
    command: 'sampleOnce(): ss by the helper, filtered or raw by the last sample, + /proc/net/sockstat',
    information: 'per-side',
    reader: (port, ss) => {
      const probes = [procProbe('both', { procNet: '/proc/net', netns: null, ss })]; // a loopback run's
      let previous: Sample | undefined; // as in a scenario: each sample picks its reading from the last
      return async () => {
        previous = await sampleOnce(port, 0, previous, probes);
        return { clientSide: previous.clientSide, serverSide: previous.serverSide };
      };
    },
  },
  {
    name: 'ss raw records',
    command: 'ss -tan -D -',
    information: 'per-side',
    reader: (port) => async () => {
      const { stdout } = await execFileAsync('ss', ['-tan', '-D', '-'], { encoding: 'buffer', maxBuffer: MAX_BYTES });
      return countBySide(parseInetDiag(stdout, port), port);
    },
  },
  {
    name: 'ss, kernel filter',
    command: 'ss -Htan ( sport = :P or dport = :P )',
    information: 'per-side',
    reader: (port) => async () => countBySide(parseSs(await text('ss', ['-Htan', `( sport = :${port} or dport = :${port} )`])), port),
  },
  {
    name: 'ss, unfiltered',
    command: 'ss -tan',
    information: 'per-side',
    reader: (port) => async () => countBySide(parseSs(await text('ss', ['-tan'])), port),
  },
  {
    name: 'netstat',
    command: 'netstat -ant',
    information: 'per-side',
    needs: { command: 'netstat', install: 'apt-get install net-tools' },
    reader: (port) => async () => countBySide(parseNetstat(await text('netstat', ['-ant'])), port),
  },
  {
    name: '/proc/net/tcp',
    command: 'read /proc/net/tcp + /proc/net/tcp6',
    information: 'per-side',
    reader: (port) => async () => {
      const [v4, v6] = await Promise.all([readFile('/proc/net/tcp', 'utf8'), readFile('/proc/net/tcp6', 'utf8')]);
      return countBySide([...parseProcNetTcp(v4), ...parseProcNetTcp(v6)], port);
    },
  },
  {
    name: '/proc/net/sockstat',
    command: 'read /proc/net/sockstat',
    information: 'namespace-total',
    reader: () => async () => parseSockstat(await readFile('/proc/net/sockstat', 'utf8')).tw,
  },
];
