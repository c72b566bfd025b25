// The scenario catalogue is the scenarios/ folder: one file per scenario, found by reading the
// folder (files starting with `_` are shared helpers), validated when loaded, with every default
// filled in.
import { readdir } from 'node:fs/promises';
import { UsageError } from '../shared/errors.ts';
import { parseScenario, type Scenario } from './contract.ts';

export const SCENARIOS_DIR = new URL('../../scenarios/', import.meta.url);

export async function scenarioNames(): Promise<string[]> {
  const files = await readdir(SCENARIOS_DIR);
  return files
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

export async function loadScenario(name: string): Promise<Scenario> {
  const names = await scenarioNames();
  if (!names.includes(name)) {
    throw new UsageError(`unknown scenario "${name}"; known scenarios: ${names.join(', ')}`);
  }
  const module = (await import(new URL(`${name}.ts`, SCENARIOS_DIR).href).catch((error: unknown) => {
    // A syntax error, or a scenario file that throws while it is imported: name the file, not our stack.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new UsageError(`scenarios/${name}.ts cannot be loaded: ${message.split('\n')[0]}`);
  })) as { default?: unknown };
  const { scenario, problems } = parseScenario(module.default);
  if (scenario && scenario.name !== name) problems.push(`name: is "${scenario.name}" but the file is ${name}.ts`);
  if (!scenario || problems.length > 0) {
    throw new UsageError(`scenarios/${name}.ts is not a valid scenario: ${problems.join("; ")}`);
  }
  return scenario;
}

export async function loadAllScenarios(): Promise<Scenario[]> {
  return Promise.all((await scenarioNames()).map(loadScenario));
}
