// The catalogue as `npm run scenario -- --list` prints it: kept apart from the result table so that
// listing the scenarios loads no more than it needs.
import type { Requirement, Scenario } from '../scenario/contract.ts';

/** One line per scenario; `missing` names what a scenario lacks on this machine (it is skipped here). */
export function formatScenarioList(scenarios: Scenario[], missing: Map<string, Requirement[]> = new Map()): string {
  const width = Math.max(...scenarios.map((s) => s.name.length));
  return scenarios
    .map((s) => {
      const lacks = missing.get(s.name) ?? [];
      const skipped = lacks.map((r) => `\n  ${''.padEnd(width)}  (skipped here: needs ${r.what}; ${r.howToGet})`).join('');
      return `  ${s.name.padEnd(width)}  ${s.summary}${skipped}`;
    })
    .join('\n');
}
