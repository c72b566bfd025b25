// A measurement (`npm run measure`) is a scenario built at run time from the command line: one
// variant per client the user gave (its command, run as it is), the lab's server with the settings
// given, and a claim per expectation (`--expect`) and client. The runner runs it as any scenario.
import type { Claim, CommandVariant, RunnableScenario } from './contract.ts';
import type { FigureName } from '../result/figures.ts';
import type { ServerSettings } from '../shapes/server-settings.ts';

/** The scenario name a measurement's results carry. */
export const MEASUREMENT = 'measure';

/** A client given on the command line: a shell command (`--client NAME=...`), or the words after `--`. */
export interface MeasuredClient extends Pick<CommandVariant, 'name' | 'command' | 'argv'> {
  /** Whether `command` is a shell command run with `sh -c` (else `argv` are the words after `--`). */
  shell: boolean;
}

/** The operators `--expect` takes, each as the bound of a claim. */
export const EXPECT_OPS = {
  '<=': (value: number) => ({ atMost: value }),
  '>=': (value: number) => ({ atLeast: value }),
  '<': (value: number) => ({ below: value }),
  '>': (value: number) => ({ above: value }),
  '==': (value: number) => ({ atLeast: value, atMost: value }),
} satisfies Record<string, (value: number) => Partial<Claim>>;
export type ExpectOp = keyof typeof EXPECT_OPS;

/** `--expect 'connectionsPerRequest <= 0.05'`: what every client must hold to. */
export interface Expectation {
  figure: FigureName;
  op: ExpectOp;
  value: number;
}

export const expectationText = (e: Expectation) => `${e.figure} ${e.op} ${e.value}`;

/** The claims of an expectation: one per client, in the order the clients run. */
const claimsOf = (expectation: Expectation, clients: MeasuredClient[]): Claim[] =>
  clients.map((client) => ({ variant: client.name, metric: expectation.figure, ...EXPECT_OPS[expectation.op](expectation.value) }));

export function measurementScenario(clients: MeasuredClient[], expectations: Expectation[], server: ServerSettings): RunnableScenario {
  return {
    name: MEASUREMENT,
    summary: `${clients.length === 1 ? 'a client' : `${clients.length} clients`} given on the command line, each measured against a fresh server of the lab's`,
    server,
    variants: clients.map(({ name, command, argv }): CommandVariant => ({ name, role: 'measured', summary: command, command, argv })),
    claims: expectations.flatMap((e) => claimsOf(e, clients)),
    clientSysctls: undefined,
  };
}
