// What the lab needs from the machine, checked before anything starts, each with what to do about it;
// and, per scenario, what it lacks here (its variants' requirements, namespaces of its own). A
// machine that lacks it is bad input like a bad option (exit 2): nothing ran, and the line says what is accepted.
import { execa } from 'execa';
import { UsageError } from '../shared/errors.ts';
import { NETWORK_NAMESPACES } from './netns.ts';
import { needsNamespaces, requirementsOf, type Requirement, type Scenario } from '../scenario/contract.ts';

export async function checkMachine(): Promise<void> {
  if (process.platform !== 'linux') {
    throw new UsageError(
      `timewait-lab measures the Linux kernel and cannot run on ${process.platform}; ` +
        'use the docker-compose setup: docker compose run --rm lab npm run scenario no-body-close',
    );
  }
  try {
    await execa('ss', ['-V']);
  } catch {
    throw new UsageError("'ss' was not found on PATH: install iproute2 (apt-get install iproute2), or use the docker-compose setup");
  }
}

/** For each scenario that cannot run on this machine, what it lacks (e.g. the Go toolchain). */
export async function missingRequirements(scenarios: Scenario[]): Promise<Map<string, Requirement[]>> {
  const missing = new Map<string, Requirement[]>();
  for (const scenario of scenarios) {
    const lacks: Requirement[] = [];
    const needs = [...requirementsOf(scenario), ...(needsNamespaces(scenario) ? [NETWORK_NAMESPACES] : [])];
    for (const requirement of needs) if (!(await requirement.available())) lacks.push(requirement);
    if (lacks.length > 0) missing.set(scenario.name, lacks);
  }
  return missing;
}
