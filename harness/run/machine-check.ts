// What the lab needs from the machine, checked before anything starts, each with what to do about it;
// and, per scenario, what it lacks here (its variants' requirements, namespaces of its own). A
// machine that lacks it is bad input like a bad option (exit 2): nothing ran, and the line says what is accepted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../shared/errors.ts';
import { NETWORK_NAMESPACES } from '../stage/netns.ts';
import { needsNamespaces, requirementsOf, type Requirement, type RunnableScenario, type Scenario } from '../scenario/contract.ts';

export async function checkMachine(): Promise<void> {
  if (process.platform !== 'linux') {
    throw new UsageError(
      `timewait-lab measures the Linux kernel and cannot run on ${process.platform}; ` +
        'use the docker-compose setup: docker compose run --rm lab npm run scenario no-body-close',
    );
  }
  try {
    await promisify(execFile)('ss', ['-V']);
  } catch {
    throw new UsageError("'ss' was not found on PATH: install iproute2 (apt-get install iproute2), or use the docker-compose setup");
  }
}

async function lacking(requirements: Requirement[]): Promise<Requirement[]> {
  const lacks: Requirement[] = [];
  for (const requirement of requirements) if (!(await requirement.available())) lacks.push(requirement);
  return lacks;
}

/** For each scenario that cannot run on this machine, what it lacks (e.g. the Go toolchain). */
export async function missingRequirements(scenarios: Scenario[]): Promise<Map<string, Requirement[]>> {
  const missing = new Map<string, Requirement[]>();
  for (const scenario of scenarios) {
    const lacks = await lacking([...requirementsOf(scenario), ...(needsNamespaces(scenario) ? [NETWORK_NAMESPACES] : [])]);
    if (lacks.length > 0) missing.set(scenario.name, lacks);
  }
  return missing;
}

/** What a scenario lacks, in words: "needs the Go toolchain (go), which this machine lacks (apt-get ...)". */
export const needsText = (lacks: Requirement[]) => `needs ${lacks.map((r) => `${r.what}, which this machine lacks (${r.howToGet})`).join('; and ')}`;

/**
 * Refuses, before anything starts, a scenario whose variants need what this machine lacks (the Go
 * toolchain), in one line saying how to get it. Namespaces are the topology's to decide (--netns, --target).
 */
export async function checkRequirements(scenario: RunnableScenario): Promise<void> {
  const lacks = await lacking(requirementsOf(scenario));
  if (lacks.length > 0) throw new UsageError(`scenario ${scenario.name} ${needsText(lacks)}`);
}
