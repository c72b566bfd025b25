// Compares results of one scenario, oldest to newest: for each variant the key figures, their
// change from one run to the next (absolute and %), whether the trials make the change
// significant, and the differences of environment and settings that can explain it.
import { figureLabel, figuresIn, figureValue } from '../result/figures.ts';
import { judgeChange, type Judgement } from './significance.ts';
import type { ResultFile } from '../result/read.ts';
import type { Result, VariantResult } from '../result/schema.ts';

export interface RunInfo {
  file: string;
  startedAt: string;
  trials: number;
  node: string;
  kernel: string;
  commit: string | null;
}

export interface Change {
  absolute: number;
  /** Relative to the older value; null when that is 0 and the newer is not. */
  percent: number | null;
  judgement: Judgement;
}

export interface FigureComparison {
  figure: string;
  label: string;
  /** The figure in each run (the median of its trials); null where the run lacks the variant or the figure. */
  values: (number | null)[];
  /** Min and max over each run's trials; null with one trial or without the variant. */
  spreads: ({ min: number; max: number } | null)[];
  /** `changes[i]` goes from run i to run i + 1; null where either lacks the variant. */
  changes: (Change | null)[];
}

export interface VariantComparison {
  name: string;
  role: VariantResult['role'];
  description: string;
  figures: FigureComparison[];
}

export interface Difference {
  /** A path into the result: `env.sysctl.tcp_tw_reuse`, `params.load.requests`. */
  field: string;
  before: unknown;
  after: unknown;
}

export interface ScenarioComparison {
  scenario: string;
  /** Oldest first. */
  runs: RunInfo[];
  /** `differences[i]`: what differs in environment and settings from run i to run i + 1. */
  differences: Difference[][];
  variants: VariantComparison[];
}

const oldestFirst = (files: ResultFile[]) =>
  files.toSorted((a, b) => a.result.startedAt.localeCompare(b.result.startedAt) || a.file.localeCompare(b.file));

/** Results grouped by scenario, each group oldest first; groups in order of scenario name. */
export function groupByScenario(files: ResultFile[]): Map<string, ResultFile[]> {
  const groups = new Map<string, ResultFile[]>();
  for (const file of oldestFirst(files)) groups.set(file.result.scenario, [...(groups.get(file.result.scenario) ?? []), file]);
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

/** Every leaf of a JSON tree, by path: `{ a: { b: 1 } }` gives `a.b` = 1. */
function leaves(value: unknown, prefix: string, out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) leaves(child, `${prefix}.${key}`, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** What differs in the environment fingerprint and the run settings between two results. */
export function differences(before: Result, after: Result): Difference[] {
  const a = new Map([...leaves(before.env, 'env'), ...leaves(before.params, 'params')]);
  const b = new Map([...leaves(after.env, 'env'), ...leaves(after.params, 'params')]);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields
    .filter((field) => JSON.stringify(a.get(field)) !== JSON.stringify(b.get(field)))
    .map((field) => ({ field, before: a.get(field) ?? null, after: b.get(field) ?? null }));
}

function change(from: number, to: number, before: VariantResult, after: VariantResult, figure: string): Change {
  const trialValues = (v: VariantResult) => v.trials.map((t) => figureValue(t.summary, figure)!);
  const round = (x: number) => Math.round(x * 1e4) / 1e4; // no floating-point dust in the JSON
  return {
    absolute: round(to - from),
    percent: from === 0 ? (to === 0 ? 0 : null) : round(((to - from) / from) * 100),
    judgement: judgeChange(trialValues(before), trialValues(after)),
  };
}

function compareFigure(variants: (VariantResult | undefined)[], figure: string, label: string): FigureComparison {
  const values = variants.map((v) => (v ? (figureValue(v.summary, figure) ?? null) : null));
  return {
    figure,
    label,
    values,
    spreads: variants.map((v, i) =>
      v && values[i] !== null && v.trials.length > 1 ? { min: figureValue(v.spread.min, figure)!, max: figureValue(v.spread.max, figure)! } : null,
    ),
    changes: variants.slice(1).map((after, i) => {
      const [before, from, to] = [variants[i], values[i], values[i + 1]];
      return before && after && from != null && to != null ? change(from, to, before, after, figure) : null;
    }),
  };
}

/**
 * Compares results of one scenario (the caller checks that), oldest first. `extraFigures` are shown
 * after the key figures (the figures a --fail-if names, for example).
 */
export function compareResults(files: ResultFile[], extraFigures: string[] = []): ScenarioComparison {
  const runs = oldestFirst(files);
  const shown = figuresIn('compare').map((f) => f.path);
  const figures = [...shown, ...extraFigures.filter((f) => !shown.includes(f))].map((path) => ({ path, label: figureLabel(path) }));
  const names = [...new Set(runs.flatMap((r) => r.result.variants.map((v) => v.name)))];
  return {
    scenario: runs[0]!.result.scenario,
    runs: runs.map(({ file, result }) => ({
      file,
      startedAt: result.startedAt,
      trials: result.params.repeat,
      node: result.env.node,
      kernel: result.env.kernel,
      commit: result.env.lab.commit,
    })),
    differences: runs.slice(1).map((after, i) => differences(runs[i]!.result, after.result)),
    variants: names.map((name) => {
      const variants = runs.map((r) => r.result.variants.find((v) => v.name === name));
      const first = variants.find((v) => v !== undefined)!;
      return {
        name,
        role: first.role,
        description: first.description,
        figures: figures.map(({ path, label }) => compareFigure(variants, path, label)),
      };
    }),
  };
}
