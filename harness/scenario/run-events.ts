// What a run tells as it goes (harness/run/run-scenario.ts emits it): a variant starts, its
// progress, its samples, its load done, its trials and its result. The live view and the progress
// lines read it.
import type { Sample } from '../observe/sampler.ts';
import type { Variant } from './contract.ts';
import type { LoadProgress } from '../shapes/client-protocol.ts';
import type { LoadSettings } from '../shapes/load-settings.ts';
import type { VariantResult, VariantSummary } from '../result/schema.ts';

export type RunEvent =
  | { type: 'variant-start'; variant: Variant; load: LoadSettings | null; host: string; port: number; trial: number; trials: number }
  | { type: 'progress'; variant: Variant; progress: LoadProgress }
  /** The client is done; `drainLimitMs`: sampling goes on until TIME_WAIT is gone, at most this long (null: no drain). */
  | { type: 'load-done'; variant: Variant; loadMs: number; drainLimitMs: number | null }
  | { type: 'sample'; variant: Variant; sample: Sample }
  | { type: 'trial-done'; variant: Variant; trial: number; trials: number; summary: VariantSummary }
  | { type: 'variant-done'; variant: Variant; result: VariantResult };
