// What a scenario is: the story as data, the load, the server settings, the variants (each a small
// client factory that runs in its own process) and the claims the run checks.
import { z } from 'zod';
import { sysctlProblems, type SysctlSettings } from './client-sysctls.ts';
import { FIGURE_NAMES_TEXT, isFigure, type FigureName } from '../result/figures.ts';

export type LoadPattern = 'steady' | 'bursts';

export interface LoadSettings {
  /** Requests each variant sends: a count, not a duration, so connection counts are exact. */
  requests: number;
  /** Requests in flight at once (steady), or the size of each burst (bursts). */
  concurrency: number;
  /** steady: `concurrency` workers back to back; bursts: `concurrency` requests at once, then a pause. */
  pattern: LoadPattern;
  /** Pause between bursts, when the pattern is bursts. */
  burstGapMs: number;
  /**
   * bursts only: the pauses grow evenly over the run from burstGapMs − gapSpreadMs to
   * burstGapMs + gapSpreadMs, so that they straddle a timeout. Default 0.
   */
  gapSpreadMs?: number;
}

/** How the server ends a connection once it has sent a response. */
export type AfterResponse = 'keep-alive' | 'close' | 'reset';

export interface ServerSettings {
  /** Size of each response body. */
  bodyBytes: number;
  /** Delay before each response is sent. */
  responseDelayMs: number;
  /** The server's `keepAliveTimeout` (Node's default is 5000 ms). */
  keepAliveTimeoutMs: number;
  /**
   * Node >= 24 closes idle sockets `keepAliveTimeoutBuffer` (default 1000 ms) after the timeout it
   * announces, to dodge the keep-alive race; 0 closes them on time, like servers that have no buffer.
   * Default: Node's own.
   */
  keepAliveTimeoutBufferMs?: number;
  /** Send `Keep-Alive: timeout=N` with keep-alive responses (Node does; Go's server does not). Default true. */
  keepAliveHint?: boolean;
  /**
   * keep-alive (default): wait for the next request; close: `Connection: close`, then FIN;
   * reset: `Connection: close`, then RST at once (`socket.resetAndDestroy()`), dropping unsent data.
   */
  afterResponse?: AfterResponse;
}

export interface ClientContext {
  url: string;
  load: LoadSettings;
}

/** A client under test: `request` resolves with the HTTP status, or rejects with the socket error. */
export interface Client {
  request(): Promise<number>;
  close(): void;
  /** Counts the client keeps itself (e.g. DNS lookups), reported in the summary's `clientCounters`. */
  counters?(): Record<string, number>;
}

/** Something a variant needs from the machine beyond Node (e.g. a Go toolchain). */
export interface Requirement {
  /** What is needed, e.g. "the Go toolchain (go)". */
  what: string;
  /** How to get it, e.g. "apt-get install golang-go". */
  howToGet: string;
  available(): Promise<boolean>;
  /** Gets it ready (e.g. builds the program); throws a LabError saying how to get it when it is missing. */
  prepare(): Promise<void>;
}

/** The command line of a client that is another program; see harness/run/program-client.ts for what it prints. */
export interface ProgramCommand {
  file: string;
  args: string[];
  env?: Record<string, string>;
}

interface VariantBase {
  name: string;
  role: 'misconfigured' | 'fix';
  summary: string;
  /** Server settings for this variant only, over the scenario's (e.g. a larger body, Connection: close). */
  server?: Partial<ServerSettings>;
  /** Sysctls for this variant's client namespace, over the scenario's (see Scenario.clientSysctls). */
  clientSysctls?: SysctlSettings;
}

/** A variant whose client is a few lines of Node, run in a client process of its own. */
export interface NodeVariant extends VariantBase {
  makeClient(context: ClientContext): Client;
}

/** A variant whose client is another program (e.g. a Go client), run as it is. */
export interface ProgramVariant extends VariantBase {
  requires: Requirement;
  program(context: ClientContext): ProgramCommand;
  /** The program's code that makes this variant what it is, read from its source file, to show next to its fix. */
  source(): { file: string; lines: string[] };
}

export type Variant = NodeVariant | ProgramVariant;

export const isProgramVariant = (v: Variant): v is ProgramVariant => 'program' in v;

/** A claim speaks about a figure of a variant's summary, named as in harness/result/figures.ts. */
export type ClaimMetric = FigureName;

/** A bound that depends on the effective load, with the words that explain it. */
export interface DerivedBound {
  text: string;
  value(load: LoadSettings): number;
}
export type Bound = number | DerivedBound;

export interface Claim {
  variant: string;
  metric: ClaimMetric;
  atLeast?: Bound;
  atMost?: Bound;
}

export interface Scenario {
  name: string;
  summary: string;
  explanation: {
    problem: string;
    why: string;
    fix: string;
  };
  server: ServerSettings;
  load: LoadSettings;
  variants: Variant[];
  claims: Claim[];
  /**
   * Sysctls for the client's network namespace (e.g. a small `net.ipv4.ip_local_port_range`).
   * A scenario that has any runs only in namespaces of the lab's own: the host's are never changed.
   */
  clientSysctls?: SysctlSettings;
}

/** `times(0.9, 'requests')`: a bound of 0.9 × the effective request count. */
export function times(factor: number, param: 'requests' | 'concurrency'): DerivedBound {
  return { text: factor === 1 ? param : `${factor} × ${param}`, value: (load) => factor * load[param] };
}

const positiveInt = z.number().int().positive();
const sysctls = z.record(z.string(), z.string()).optional();
const bound = z.union([
  z.number().nonnegative(),
  z.object({ text: z.string().min(1), value: z.function() }),
]);

export const loadSchema = z.strictObject({
  requests: positiveInt,
  concurrency: positiveInt,
  pattern: z.enum(['steady', 'bursts']),
  burstGapMs: z.number().int().nonnegative(),
  gapSpreadMs: z.number().int().nonnegative().optional(),
});

export const serverSchema = z.strictObject({
  bodyBytes: z.number().int().nonnegative(),
  responseDelayMs: z.number().int().nonnegative(),
  keepAliveTimeoutMs: positiveInt,
  keepAliveTimeoutBufferMs: z.number().int().nonnegative().optional(),
  keepAliveHint: z.boolean().optional(),
  afterResponse: z.enum(['keep-alive', 'close', 'reset']).optional(),
});

const claimMetricSchema = z.string().refine(isFigure, `must be one of ${FIGURE_NAMES_TEXT}`);

const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case, like the file name'),
    summary: z.string().min(1).regex(/^[^\n]+$/, 'must be one line'),
    explanation: z.strictObject({ problem: z.string().min(1), why: z.string().min(1), fix: z.string().min(1) }),
    server: serverSchema,
    load: loadSchema,
    variants: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9-]+$/, 'must be lowercase letters, digits and dashes'),
          role: z.enum(['misconfigured', 'fix']),
          summary: z.string().min(1),
          server: serverSchema.partial().optional(),
          makeClient: z.function().optional(),
          requires: z
            .strictObject({ what: z.string().min(1), howToGet: z.string().min(1), available: z.function(), prepare: z.function() })
            .optional(),
          program: z.function().optional(),
          source: z.function().optional(),
          clientSysctls: sysctls,
        }),
      )
      .min(2),
    claims: z.array(
      z.strictObject({
        variant: z.string(),
        metric: claimMetricSchema,
        atLeast: bound.optional(),
        atMost: bound.optional(),
      }),
    ),
    clientSysctls: sysctls,
  })
  .superRefine((scenario, ctx) => {
    const names = scenario.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant names must be unique, got ${names.join(', ')}` });
    }
    scenario.variants.forEach((v, i) => {
      const kinds = [v.makeClient && 'makeClient', v.program && 'program'].filter(Boolean);
      if (kinds.length !== 1) {
        ctx.addIssue({ code: 'custom', path: ['variants', i], message: 'needs exactly one of makeClient (a Node client) or program (another program)' });
      }
      for (const part of ['requires', 'source'] as const) {
        if (v.program && !v[part]) ctx.addIssue({ code: 'custom', path: ['variants', i, part], message: `a program variant needs ${part}` });
      }
    });
    for (const role of ['misconfigured', 'fix'] as const) {
      if (!scenario.variants.some((v) => v.role === role)) {
        ctx.addIssue({ code: 'custom', path: ['variants'], message: `needs at least one ${role} variant` });
      }
    }
    for (const [path, settings] of [
      [['clientSysctls'], scenario.clientSysctls],
      ...scenario.variants.map((v, i) => [['variants', i, 'clientSysctls'], v.clientSysctls] as const),
    ] as const) {
      for (const message of sysctlProblems(settings ?? {})) ctx.addIssue({ code: 'custom', path: [...path], message });
    }
    scenario.claims.forEach((claim, i) => {
      if (!names.includes(claim.variant)) {
        ctx.addIssue({ code: 'custom', path: ['claims', i, 'variant'], message: `names no variant (known: ${names.join(', ')})` });
      }
      if (claim.atLeast === undefined && claim.atMost === undefined) {
        ctx.addIssue({ code: 'custom', path: ['claims', i], message: 'needs atLeast or atMost' });
      }
    });
  });

/**
 * Every problem with a definition, in the author's terms (`claims.2.variant: names no variant ...`).
 * Empty when the definition is valid.
 */
export function scenarioProblems(value: unknown): string[] {
  const parsed = scenarioSchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.join('.') || '(definition)'}: ${issue.message}`);
}

/** A scenario that sets client sysctls needs a client namespace: the lab never changes the host's. */
export function needsNamespaces(scenario: Scenario): boolean {
  return [scenario, ...scenario.variants].some((s) => Object.keys(s.clientSysctls ?? {}).length > 0);
}

/** What the scenario's variants need beyond Node, each once. */
export function requirementsOf(scenario: Scenario): Requirement[] {
  return [...new Set(scenario.variants.filter(isProgramVariant).map((v) => v.requires))];
}

/** Typed identity: a scenario file's default export. Importing a scenario runs nothing. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
