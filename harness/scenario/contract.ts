// What a scenario is: the story as data, the load, the server settings, the variants (each a small
// client factory that runs in its own process) and the claims the run checks. The zod schemas below
// are the declaration: the types are inferred from them, and a definition is checked against them
// when it is loaded, with the defaults (harness/shapes/server-settings.ts, the load's) filled in.
import { z } from 'zod';
import { fn, problemLines } from '../shapes/zod.ts';
import { derivedBoundSchema } from '../shapes/bounds.ts';
import { loadOverridesSchema, loadProblems, loadSchema, type ClientContext, type LoadSettings } from '../shapes/load-settings.ts';
import { sysctlProblems } from './client-sysctls.ts';
import { serverSettingOverridesSchema, serverSettingsSchema } from '../shapes/server-settings.ts';
import { FIGURE_NAMES_TEXT, isFigure, type FigureName } from '../result/figures.ts';
import type { VariantSummary } from '../result/schema.ts';

const sysctls = z.record(z.string(), z.string()).optional();

/** A client under test: `request` resolves with the HTTP status, or rejects with the socket error. */
export interface Client {
  request(): Promise<number>;
  close(): void;
  /** Counts the client keeps itself (e.g. DNS lookups), reported in the summary's `clientCounters`. */
  counters?(): Record<string, number>;
}

/** The command line of a client that is another program; see harness/shapes/client-protocol.ts for what it prints. */
export interface ProgramCommand {
  file: string;
  args: string[];
  env?: Record<string, string>;
}

/** Something a variant needs from the machine beyond Node (e.g. a Go toolchain). */
const requirementSchema = z.strictObject({
  /** What is needed, e.g. "the Go toolchain (go)". */
  what: z.string().min(1),
  /** How to get it, e.g. "apt-get install golang-go". */
  howToGet: z.string().min(1),
  available: fn<() => Promise<boolean>>(),
  /** Gets it ready (e.g. builds the program); throws a LabError saying how to get it when it is missing. */
  prepare: fn<() => Promise<void>>(),
  /** Once prepared: the versions it runs with, and which program (e.g. python, requests, urllib3), recorded in the result's env.packages. */
  versions: fn<() => Promise<Record<string, string>>>().optional(),
});
export type Requirement = z.infer<typeof requirementSchema>;

/** The roles of a scenario's own variants: every scenario has at least one of each. */
const scenarioRoleSchema = z.enum(['misconfigured', 'fix']);

/** A variant's name: what the table, claims and `--fail-if` call it. */
export const VARIANT_NAME = /^[a-z0-9-]+$/;

const variantBase = {
  name: z.string().regex(VARIANT_NAME, 'must be lowercase letters, digits and dashes'),
  role: scenarioRoleSchema,
  summary: z.string().min(1),
  /** Server settings for this variant only, over the scenario's (e.g. a larger body, Connection: close). */
  server: serverSettingOverridesSchema.optional(),
  /** Sysctls for this variant's client namespace, over the scenario's (see the scenario's clientSysctls). */
  clientSysctls: sysctls,
  /** After its load, sample on until its TIME_WAIT is back to zero (at most 75 s): the drain, and the lifetime measured. */
  drain: z.boolean().optional(),
  /** This variant's load, over the scenario's field by field (the command line's overrides still apply to it). */
  load: loadOverridesSchema.optional(),
};
/** A variant whose client is a few lines of Node, run in a client process of its own. */
const nodeVariantSchema = z.strictObject({ ...variantBase, makeClient: fn<(context: ClientContext) => Client>() });
/** A variant whose client is another program (e.g. a Go client), run as it is. */
const programVariantSchema = z.strictObject({
  ...variantBase,
  requires: requirementSchema,
  program: fn<(context: ClientContext) => ProgramCommand>(),
  /** The program's code that makes this variant what it is, read from its source file, to show next to its fix. */
  source: fn<() => { file: string; lines: string[] }>(),
});
export type NodeVariant = z.infer<typeof nodeVariantSchema>;
export type ProgramVariant = z.infer<typeof programVariantSchema>;
/**
 * A variant whose client is a command the user gave `npm run measure`, built from the command line
 * (never from a scenario file): run as it is, it owes the lab nothing; the server counts its requests.
 */
export interface CommandVariant extends Pick<NodeVariant, 'name' | 'summary' | 'server' | 'clientSysctls'> {
  role: 'measured';
  /** The command as the user gave it (a shell command, or the words after `--`, quoted as a shell reads them). */
  command: string;
  /** What runs: `sh -c <command>`, or the words after `--` as they are. */
  argv: [string, ...string[]];
}
/** A variant of a catalogue scenario. */
export type ScenarioVariant = NodeVariant | ProgramVariant;
export type Variant = ScenarioVariant | CommandVariant;
/** A variant as a scenario file writes it. */
export type VariantDefinition = z.input<typeof nodeVariantSchema> | z.input<typeof programVariantSchema>;

/**
 * A variant is checked as one object that may have either kind's parts, so that each problem is named
 * in the author's words (a union would only say that it is neither kind); the refinement makes it
 * exactly one kind.
 */
const variantSchema = nodeVariantSchema
  .extend(programVariantSchema.shape)
  .partial({ makeClient: true, requires: true, program: true, source: true })
  .superRefine((v, ctx) => {
    const kinds = [v.makeClient && 'makeClient', v.program && 'program'].filter(Boolean);
    if (kinds.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'needs exactly one of makeClient (a Node client) or program (another program)' });
    for (const part of ['requires', 'source'] as const) {
      if (v.program && !v[part]) ctx.addIssue({ code: 'custom', path: [part], message: `a program variant needs ${part}` });
    }
  })
  .transform((v) => v as ScenarioVariant);

export const isProgramVariant = (v: Variant): v is ProgramVariant => 'program' in v;
export const isCommandVariant = (v: Variant): v is CommandVariant => 'command' in v;

/** A claim speaks about a figure of a variant's summary, named as in harness/result/figures.ts. */
export type ClaimMetric = FigureName;
const claimMetricSchema = z.custom<ClaimMetric>((value) => typeof value === 'string' && isFigure(value), { error: `must be one of ${FIGURE_NAMES_TEXT}` });

const boundSchema = z.union([z.number().nonnegative(), derivedBoundSchema]);
export type Bound = z.infer<typeof boundSchema>;

/**
 * How a variant ran: its effective load, whether it drained (sampled on after its load until
 * TIME_WAIT was gone), and its summary once it ran to its end.
 */
export interface VariantRun {
  /** null for a measurement (npm run measure): each client makes the requests it makes. */
  load: LoadSettings | null;
  drains: boolean;
  summary?: VariantSummary;
}

/** What a variant's run must be for a claim to be checked at all, with the words that say it (`a load of 72 s or more`). */
const conditionSchema = z.object({ text: z.string().min(1), value: fn<(run: VariantRun) => boolean>() });
export type ClaimCondition = z.infer<typeof conditionSchema>;

const claimSchema = z.strictObject({
  variant: z.string(),
  metric: claimMetricSchema,
  atLeast: boundSchema.optional(),
  atMost: boundSchema.optional(),
  /** Strict bounds (`npm run measure -- --expect 'FIGURE > N'`): the figure must be above, or below, this. */
  above: boundSchema.optional(),
  below: boundSchema.optional(),
  /** Checked only when the variant's load meets it: a shorter load (--duration 4) cannot show a plateau; the claim is then listed as not checked. */
  when: conditionSchema.optional(),
});
export type Claim = z.infer<typeof claimSchema>;

const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case, like the file name'),
    summary: z.string().min(1).regex(/^[^\n]+$/, 'must be one line'),
    explanation: z.strictObject({ problem: z.string().min(1), why: z.string().min(1), fix: z.string().min(1) }),
    /** The server's settings: only those that differ from the defaults (harness/shapes/server-settings.ts). */
    server: serverSettingsSchema.prefault({}),
    load: loadSchema,
    variants: z.array(variantSchema).min(2),
    claims: z.array(claimSchema),
    /**
     * Sysctls for the client's network namespace (e.g. a small `net.ipv4.ip_local_port_range`).
     * A scenario that has any runs only in namespaces of the lab's own: the host's are never changed.
     */
    clientSysctls: sysctls,
  })
  .superRefine((scenario, ctx) => {
    for (const { path, message } of loadProblems(scenario.load)) ctx.addIssue({ code: 'custom', path: ['load', ...path], message });
    scenario.variants.forEach((variant, i) => {
      if (!variant.load) return;
      for (const { path, message } of loadProblems(declaredLoad(scenario, variant))) ctx.addIssue({ code: 'custom', path: ['variants', i, 'load', ...path], message });
    });
    const names = scenario.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant names must be unique, got ${names.join(', ')}` });
    }
    for (const role of scenarioRoleSchema.options) {
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
      if ([claim.atLeast, claim.atMost, claim.above, claim.below].every((bound) => bound === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['claims', i], message: 'needs atLeast, atMost, above or below' });
      }
    });
  });

/** A loaded scenario: every default filled in. */
export type Scenario = z.output<typeof scenarioSchema>;
/** A scenario as its file writes it: what differs from the defaults. */
export type ScenarioDefinition = Omit<z.input<typeof scenarioSchema>, 'variants'> & { variants: VariantDefinition[] };

/**
 * The scenario a definition describes, with every default filled in; or every problem with it, in
 * the author's terms (`claims.2.variant: names no variant ...`).
 */
export function parseScenario(value: unknown): { scenario: Scenario; problems: string[] } | { scenario: null; problems: string[] } {
  const parsed = scenarioSchema.safeParse(value);
  if (parsed.success) return { scenario: parsed.data, problems: [] };
  return { scenario: null, problems: problemLines(parsed.error, { root: '(definition)' }) };
}

/** Every problem with a definition; empty when it is valid. */
export const scenarioProblems = (value: unknown): string[] => parseScenario(value).problems;

/**
 * What running needs of a scenario: one of the catalogue, or one built at run time from the
 * command line (`npm run measure`), which has no load of its own (each client makes the requests it makes).
 */
export type RunnableScenario = Pick<Scenario, 'name' | 'summary' | 'server' | 'claims' | 'clientSysctls'> & { variants: Variant[] };

/** The load a variant declares: the scenario's, with the variant's own fields over it. */
export function declaredLoad(scenario: Pick<Scenario, 'load'>, variant: Pick<ScenarioVariant, 'load'>): LoadSettings {
  return { ...scenario.load, ...variant.load };
}

/** A scenario that sets client sysctls needs a client namespace: the lab never changes the host's. */
export function needsNamespaces(scenario: RunnableScenario): boolean {
  return [scenario, ...scenario.variants].some((s) => Object.keys(s.clientSysctls ?? {}).length > 0);
}

/** What the scenario's variants need beyond Node, each once. */
export function requirementsOf(scenario: RunnableScenario): Requirement[] {
  const needs = scenario.variants.filter(isProgramVariant).map((v) => v.requires);
  return needs.filter((need, i) => needs.findIndex((other) => other.what === need.what) === i);
}

/** Typed identity: a scenario file's default export. Importing a scenario runs nothing. */
export function defineScenario(definition: ScenarioDefinition): ScenarioDefinition {
  return definition;
}
