// Builds the HTML report of some result files and writes it next to them: the results grouped
// by scenario (in the order given, runs by start time), each scenario's story and code from the
// catalogue, and the charting library read from node_modules so that it is inlined in the file.
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadScenario, scenarioNames } from '../../scenario/catalog.ts';
import { helpersUsed } from '../explain.ts';
import { fileTimestamp, writeFileAtomically } from '../../result/file.ts';
import { checkReadBudget, readResult } from '../../result/read.ts';
import { renderReport, type ReportGroup, type ReportRun } from './report-html.ts';
import type { Scenario } from '../../scenario/contract.ts';
import { observationProblems, type Observation } from '../../host/observation-schema.ts';
import { UsageError } from '../../shared/errors.ts';
import { renderObservationReport } from './observation-report-html.ts';

const require = createRequire(import.meta.url);

/** ECharts' prebuilt "common" bundle: line charts, legend, tooltip, and the SVG renderer. */
async function chartLibrary() {
  const [source, manifest] = await Promise.all([
    readFile(require.resolve('echarts/dist/echarts.common.min.js'), 'utf8'),
    readFile(require.resolve('echarts/package.json'), 'utf8'),
  ]);
  return { name: 'Apache ECharts', version: (JSON.parse(manifest) as { version: string }).version, source };
}

/** One result: `X.json` → `X.html` beside it; several: `report-<newest start time>.html` beside the first. */
export function reportPath(runs: ReportRun[]): string {
  const first = runs[0]!.file;
  if (runs.length === 1) return path.join(path.dirname(first), `${path.basename(first, '.json')}.html`);
  const newest = runs.map((r) => r.result.startedAt).sort().at(-1)!;
  return path.join(path.dirname(first), `report-${fileTimestamp(newest)}-${runs.length}-runs.html`);
}

const HELPERS_FILE = 'scenarios/_http.ts';

/** The helpers a scenario's variants call, with the file they live in as it reads (types and all). */
async function helpersOf(scenario: Scenario | null): Promise<ReportGroup['helpers']> {
  const names = scenario ? helpersUsed(scenario) : [];
  if (names.length === 0) return null;
  return { names, file: HELPERS_FILE, source: await readFile(new URL(`../../../${HELPERS_FILE}`, import.meta.url), 'utf8') };
}

export async function groupByScenario(runs: ReportRun[]): Promise<ReportGroup[]> {
  const known = await scenarioNames();
  const groups = new Map<string, ReportRun[]>();
  for (const run of runs) groups.set(run.result.scenario, [...(groups.get(run.result.scenario) ?? []), run]);
  return Promise.all(
    [...groups].map(async ([name, group]) => {
      const scenario = known.includes(name) ? await loadScenario(name) : null;
      return {
        scenarioName: name,
        scenario,
        helpers: await helpersOf(scenario),
        runs: group.sort((a, b) => a.result.startedAt.localeCompare(b.result.startedAt)),
      };
    }),
  );
}

/** The observation in `file` (`kind: "observation"`, npm run observe), or null when it holds something else (readResult says what). */
async function observationIn(file: string): Promise<Observation | null> {
  // What is no regular file (a named pipe would be waited on for ever), not JSON, or cannot be read is left to readResult, which says so.
  if (!(await stat(file).then((found) => found.isFile(), () => false))) return null;
  const value: unknown = await readFile(file, 'utf8').then(
    (text) => {
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    },
    () => null,
  );
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'observation') return null;
  const problems = observationProblems(value);
  if (problems.length > 0) throw new UsageError(`${file}: does not match the observation schema: ${problems.slice(0, 3).join('; ')}`);
  return value as Observation;
}

/** Writes the report of `files` (result JSON, or one observation) and returns its path. */
export async function writeReport(files: string[], out?: string): Promise<string> {
  await checkReadBudget(files, 'the files given');
  const observations = await Promise.all(files.map(observationIn));
  if (observations.some((o) => o !== null)) {
    const observation = observations[0];
    if (files.length > 1 || !observation) throw new UsageError('an observation (npm run observe) is drawn on its own: give one observation file, or result files only');
    const html = renderObservationReport(observation, await chartLibrary(), new Date().toISOString());
    const target = path.resolve(out ?? path.join(path.dirname(files[0]!), `${path.basename(files[0]!, '.json')}.html`));
    await writeFileAtomically(target, html, 'report');
    return target;
  }
  const runs = await Promise.all(files.map(async (file) => ({ file: path.resolve(file), result: await readResult(file) })));
  const html = renderReport({ groups: await groupByScenario(runs), chartLibrary: await chartLibrary(), generatedAt: new Date().toISOString() });
  const target = path.resolve(out ?? reportPath(runs));
  await writeFileAtomically(target, html, 'report');
  return target;
}
