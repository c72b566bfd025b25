// The result's `sampling`: for each figure, where a run of this topology read it and how often
// (harness/observe/sampler.ts reads them; the result's schema declares the field).
import { FEW_SOCKETS, TABLE_CADENCE } from '../observe/sampler.ts';
import type { Sampling, TopologyRecord } from '../result/schema.ts';
import { COUNTS_EVERY_MS } from '../shapes/server-protocol.ts';

const SHARED_TABLE =
  "the socket table: ss -Htan '( sport = :PORT or dport = :PORT )' (filtered in the kernel), or the raw records of ss -tan -D - " +
  "when the port holds a quarter of the namespace's TIME_WAIT or more; run by the run's ss helper, counted per side";

export function samplingOf(mode: TopologyRecord['mode'], intervalMs: number): Sampling {
  const every = (source: string) => ({ source, everyMs: intervalMs });
  const pushed = {
    source: `the server, over IPC: pushed when they change (at most every ${COUNTS_EVERY_MS} ms), and asked for at the end of each trial`,
    everyMs: COUNTS_EVERY_MS,
  };
  if (mode === 'namespaces') {
    const table =
      `each side's socket table, in the samples' socketTable: its namespace's /proc/<pid>/net/tcp and tcp6 while it holds up to ${FEW_SOCKETS} sockets, ` +
      'else its raw records (ss -N <namespace> -tan -D -)';
    return {
      // The kernel's count of timewait sockets: ss shows those of an orphaned FIN-WAIT-2 as FIN-WAIT-2 (test/observe/sampler.test.ts).
      timeWait: every("each side's namespace: /proc/<pid>/net/sockstat tw (TIME-WAIT, and the orphaned FIN-WAIT-2 the kernel keeps as timewait sockets)"),
      established: every("each side's namespace: /proc/<pid>/net/snmp Tcp CurrEstab (ESTABLISHED and CLOSE-WAIT: RFC 1213 tcpCurrEstab)"),
      byState: {
        source: `${table}, at the first sample (before the load) and the last, and adaptively between`,
        everyMs: Math.max(intervalMs, TABLE_CADENCE.changingMs),
        adaptive: { flatMs: TABLE_CADENCE.flatMs, maxShare: TABLE_CADENCE.maxShare },
      },
      namespacePeaks: every("each side's namespace: /proc/<pid>/net/sockstat (tw, inuse; orphan is the whole host's), over the samples"),
      serverCounts: pushed,
      kernelCounters: { source: "each side's namespace: /proc/<pid>/net/snmp and netstat, before and after each trial", everyMs: 0 },
    };
  }
  if (mode === 'target') {
    const table = every(`client side: ${SHARED_TABLE.replace('sport = :PORT or dport = :PORT', 'dport = :PORT and dst ADDRESS')}; server side: not sampled`);
    return {
      timeWait: table,
      established: table,
      byState: table,
      namespacePeaks: every("client: this host's /proc/net/sockstat; server: its control endpoint's sockstat; over the samples"),
      serverCounts: { source: 'the control endpoint (GET /), before and after each trial; none without --control-port', everyMs: 0 },
      kernelCounters: { source: "this host's /proc/net/snmp and netstat; the server's through its control endpoint; before and after each trial", everyMs: 0 },
    };
  }
  return {
    timeWait: every(SHARED_TABLE),
    established: every(SHARED_TABLE),
    byState: every(SHARED_TABLE),
    serverCounts: pushed,
    kernelCounters: { source: 'this host\'s /proc/net/snmp and netstat (both sides), before and after each trial', everyMs: 0 },
  };
}
