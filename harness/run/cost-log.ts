// What the harness costs beside the load it measures, stage by stage: the CPU of setting a stage up
// (namespaces, agents, the server, the ss helper), and from the variant's first request (the
// server's first push of its counts) to its last sample, the CPU of this process and of the ss
// helper (the observer) beside that of the server and the clients (the load). Kept in memory, for
// `npm run bench`: the CLI it runs preloads bench/entries/cpu-report.ts, which writes it out.
import { cpuSince, processCpuMs, readCpu, type CpuReading } from '../observe/cpu.ts';
import { runningPids } from '../process/tracked.ts';

export interface StageCost {
  variant: string;
  trial: number;
  /** This process, the commands it waited for (ip) and the processes the stage started, until it was ready. */
  setupMs: number;
  /** Wall time from the stage's start until it was ready. */
  setupWallMs: number;
  /** From the first request to the last sample; null when the server pushes no counts (a --target). */
  load: { wallMs: number; harnessMs: number; helperMs: number; serverAndClientsMs: number } | null;
}

export interface CostLog {
  /** This process's own CPU when the first stage began: loading the command, the scenario, the topology. */
  startupMs: number | null;
  stages: StageCost[];
}

export const costLog: CostLog = { startupMs: null, stages: [] };

/** CPU so far of each process this one runs. */
const snapshot = () => new Map(runningPids().flatMap((pid) => (processCpuMs(pid) === null ? [] : [[pid, processCpuMs(pid)!] as const])));

/** Call when a stage begins; then `staged` once it is ready, `loadStarts` at the first request, `loadEnds` after the last sample. */
export function stageCost(variant: string, trial: number) {
  const start = readCpu();
  const startedAt = performance.now();
  costLog.startupMs ??= start.ownMs;
  const before = snapshot();
  const cost: StageCost = { variant, trial, setupMs: 0, setupWallMs: 0, load: null };
  costLog.stages.push(cost);
  let window: { at: number; cpu: CpuReading; processes: Map<number, number> } | null = null;
  return {
    staged() {
      const { ownMs, childrenMs } = cpuSince(start);
      const started = [...snapshot()].filter(([pid]) => !before.has(pid));
      cost.setupWallMs = Math.round(performance.now() - startedAt);
      cost.setupMs = Math.round(ownMs + childrenMs + started.reduce((sum, [, ms]) => sum + ms, 0));
    },
    loadStarts() {
      if (window) return;
      // The processes' CPU first, this process's last: reading them (a file each) is not the observer's cost.
      const processes = snapshot();
      window = { at: performance.now(), cpu: readCpu(), processes };
    },
    loadEnds(helperPid: number) {
      if (!window) return;
      const { ownMs, childrenMs } = cpuSince(window.cpu);
      const now = snapshot();
      // Processes that ended meanwhile (the client) are in childrenMs whole: less what they had used before.
      let children = childrenMs;
      for (const [pid, ms] of window.processes) children += (now.get(pid) ?? 0) - ms;
      for (const [pid, ms] of now) if (!window.processes.has(pid)) children += ms;
      const helperMs = (now.get(helperPid) ?? 0) - (window.processes.get(helperPid) ?? 0);
      cost.load = { wallMs: Math.round(performance.now() - window.at), harnessMs: Math.round(ownMs), helperMs, serverAndClientsMs: Math.round(children - helperMs) };
    },
  };
}
