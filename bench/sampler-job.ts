// What the sampler bench plans, what it hands the worker that measures one size in a namespace
// (bench/entries/sampler-worker.ts), and what the worker answers.
import type { SamplerSizeReport } from './bench-schema.ts';

export interface SamplerPlan {
  /** TIME_WAIT sockets to pile up, one measurement each. */
  sizes: number[];
  /** Time each way gets to read, at each size and port. */
  budgetMsPerWay: number;
  minReads: number;
  /** How long the sampler runs back to back, and at the default interval. */
  maxRateMs: number;
  intervalRunMs: number;
}

export type SamplerJob = Omit<SamplerPlan, 'sizes'> & {
  size: number;
  /** Where the pile's clients connect, one client per entry. */
  destinations: string[];
  /** The namespaces of a pair (harness/stage/netns.ts): this worker runs in `client`, the pile's server in `server`; null: both here, on 127.0.0.1. */
  pair: { client: string; server: string } | null;
  /** Ways left out because a command they need is not installed. */
  skipWays: string[];
};

export type SamplerWorkerMessage = { type: 'report'; report: SamplerSizeReport };
