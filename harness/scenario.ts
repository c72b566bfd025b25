// What a scenario is: the story as data, the load, the server settings, the variants (each a small
// client factory that runs in its own process) and the claims the run checks.
import { z } from 'zod';

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
}

export interface ServerSettings {
  /** Size of each response body. */
  bodyBytes: number;
  /** Delay before each response is sent. */
  responseDelayMs: number;
  /** The server's `keepAliveTimeout` (Node's default is 5000 ms). */
  keepAliveTimeoutMs: number;
}

export interface ClientContext {
  url: string;
  load: LoadSettings;
}

/** A client under test: `request` resolves with the HTTP status, or rejects with the socket error. */
export interface Client {
  request(): Promise<number>;
  close(): void;
}

export interface Variant {
  name: string;
  role: 'misconfigured' | 'fix';
  summary: string;
  makeClient(context: ClientContext): Client;
}

/** The figures a claim can speak about; each is read from a variant's summary. */
export const CLAIM_METRICS = {
  connectionsOpened: 'connections the server accepted',
  connectionsPerRequest: 'connections per request',
  'timeWait.total.peak': 'TIME_WAIT peak (client + server side)',
  'timeWait.clientSide.peak': 'client-side TIME_WAIT peak',
  'timeWait.serverSide.peak': 'server-side TIME_WAIT peak',
  'established.peak': 'ESTABLISHED peak',
  'requests.failed': 'failed requests',
} as const;
export type ClaimMetric = keyof typeof CLAIM_METRICS;

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
}

/** `times(0.9, 'requests')`: a bound of 0.9 × the effective request count. */
export function times(factor: number, param: 'requests' | 'concurrency'): DerivedBound {
  return { text: factor === 1 ? param : `${factor} × ${param}`, value: (load) => factor * load[param] };
}

const positiveInt = z.number().int().positive();
const bound = z.union([
  z.number().nonnegative(),
  z.object({ text: z.string().min(1), value: z.function() }),
]);

export const loadSchema = z.strictObject({
  requests: positiveInt,
  concurrency: positiveInt,
  pattern: z.enum(['steady', 'bursts']),
  burstGapMs: z.number().int().nonnegative(),
});

export const serverSchema = z.strictObject({
  bodyBytes: z.number().int().nonnegative(),
  responseDelayMs: z.number().int().nonnegative(),
  keepAliveTimeoutMs: positiveInt,
});

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
          makeClient: z.function(),
        }),
      )
      .min(2),
    claims: z.array(
      z.strictObject({
        variant: z.string(),
        metric: z.enum(Object.keys(CLAIM_METRICS) as [ClaimMetric, ...ClaimMetric[]]),
        atLeast: bound.optional(),
        atMost: bound.optional(),
      }),
    ),
  })
  .superRefine((scenario, ctx) => {
    const names = scenario.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant names must be unique, got ${names.join(', ')}` });
    }
    for (const role of ['misconfigured', 'fix'] as const) {
      if (!scenario.variants.some((v) => v.role === role)) {
        ctx.addIssue({ code: 'custom', path: ['variants'], message: `needs at least one ${role} variant` });
      }
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

/** Typed identity: a scenario file's default export. Importing a scenario runs nothing. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
