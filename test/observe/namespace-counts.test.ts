// What a namespace's own counts are, on the real kernel: in a namespace of its own, sockets put in
// known states (test/support/socket-states.ts), read both ways the sampler reads them: the counts
// as files (sockstat, snmp CurrEstab) and the socket table (ss, or /proc/<pid>/net/tcp and tcp6 for
// a namespace of few sockets). Namespace runs take each side's TIME_WAIT and ESTABLISHED from the
// files, so what those count is checked here, state by state.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { openCounts } from '../../harness/observe/namespace-counts.ts';
import { procProbe } from '../../harness/observe/probes.ts';
import { socketsOnPort } from '../../harness/observe/tcp-table.ts';
import { createNamespace, deleteNamespace } from '../../harness/stage/netns.ts';
import { COUNTS } from '../support/socket-states.ts';
import { namespacesMissing, ROOT } from '../support/helpers.ts';

const missing = await namespacesMissing();

describe.skipIf(missing)('a namespace of its own, read as files and as the socket table', () => {
  let namespace: string;
  let holder: ResultPromise<{ stdin: 'pipe'; stdout: 'pipe' }>;
  let port: number;
  beforeAll(async () => {
    namespace = await createNamespace('counts');
    holder = execa('ip', ['netns', 'exec', namespace, process.execPath, `${ROOT}/test/support/socket-states.ts`], { stdin: 'pipe', stdout: 'pipe' });
    port = await new Promise<number>((resolve, reject) => {
      holder.stdout.once('data', (line: Buffer) => resolve((JSON.parse(line.toString()) as { port: number }).port));
      holder.catch(reject);
    });
  });
  afterAll(async () => {
    holder?.stdin.end();
    await holder?.catch(() => {});
    if (namespace) await deleteNamespace(namespace);
  });

  test('sockstat tw counts TIME-WAIT and the orphaned FIN-WAIT-2 (ss shows those as FIN-WAIT-2); CurrEstab counts ESTABLISHED and CLOSE-WAIT', async () => {
    const probe = procProbe('both', { procNet: `/proc/${holder.pid}/net`, netns: namespace });
    const table = await probe.sockets!(port, 'raw');
    const counts = openCounts(probe.procNet!);
    const read = counts.read();
    counts.close();
    const inState = (state: string) => table.filter((s) => s.state === state).length;
    // The table, as the holder made it: each open connection has two ESTABLISHED ends.
    expect({
      listen: inState('listen'),
      established: inState('established'),
      finWait2: inState('finWait2'),
      closeWait: inState('closeWait'),
      timeWait: inState('timeWait'),
    }).toEqual({ listen: 1, established: 2 * COUNTS.open, finWait2: COUNTS.halfClosed, closeWait: COUNTS.halfClosed, timeWait: COUNTS.closed });
    // The files, against it.
    expect(read.tw).toBe(inState('timeWait') + inState('finWait2'));
    expect(read.currEstab).toBe(inState('established') + inState('closeWait'));
    // In use: every socket that is not a timewait socket (the listener, the open and half-open ends).
    expect(read.inuse).toBe(table.length - read.tw);
  });

  test("the table read from the namespace's open files, page by page, is the one ss dumps: the same sockets on the port, state by state", async () => {
    const probe = procProbe('both', { procNet: `/proc/${holder.pid}/net`, netns: namespace });
    const key = (s: { state: string; localPort: number; peerPort: number }) => `${s.state} ${s.localPort}>${s.peerPort}`;
    const reader = openCounts(probe.procNet!);
    try {
      const [tcp, tcp6] = reader.tables();
      // The whole file, though a read returns a page at most: the sockets a fresh read gives (the
      // lines' timer columns move), and again from the same open files.
      expect(tcp!.length).toBeGreaterThan(2 * 4096);
      const files = socketsOnPort(port, [tcp!, tcp6!]);
      expect(socketsOnPort(port, ['tcp', 'tcp6'].map((table) => readFileSync(`${probe.procNet!}/${table}`, 'latin1')))).toEqual(files);
      expect(socketsOnPort(port, reader.tables())).toEqual(files);
      expect(files.length).toBeGreaterThan(COUNTS.closed);
      expect(files.map(key).sort()).toEqual((await probe.sockets!(port, 'raw')).map(key).sort());
    } finally {
      reader.close();
    }
  });
});
