// Older result files brought up to the current schema, so that everything past reading a file
// (compare, report, bench) sees one shape. Version 1 had fields optional because the results
// written before them lack them; each gets the value such a result meant.
import { resultV1Problems, type ResultV1 } from './schema-v1.ts';
import { resultProblems, SCHEMA_VERSION, type Result, type VariantResult } from './schema.ts';
import { SERVER_DEFAULTS } from '../shapes/server-settings.ts';

/** The schema versions this lab reads, oldest first; it writes the last. */
export const READABLE_VERSIONS = [1, SCHEMA_VERSION] as const;
export type ReadableVersion = (typeof READABLE_VERSIONS)[number];

export const isReadableVersion = (version: unknown): version is ReadableVersion => READABLE_VERSIONS.includes(version as ReadableVersion);

/** What is wrong with a result of a version this lab reads, one line per problem naming the field. */
export const problemsOf = (version: ReadableVersion, value: unknown): string[] =>
  version === 1 ? resultV1Problems(value) : resultProblems(value);

/** A valid result of any version this lab reads, in the current version. */
export const toCurrent = (valid: ResultV1 | Result): Result => (valid.schemaVersion === 1 ? resultFromV1(valid) : valid);

type SummaryV1 = ResultV1['variants'][number]['summary'];
type FiguresV1 = ResultV1['variants'][number]['spread']['min'];

type KernelV1 = SummaryV1['kernel'];

/** A counter the lab did not read yet was not read: null. */
const kernelFromV1 = (kernel: KernelV1) => ({ ...kernel, timeWaitReused: kernel.timeWaitReused ?? null });

/** A count the lab did not keep yet was not kept: null; a client that could not report counts reported none. */
function summaryFromV1<S extends SummaryV1 | FiguresV1>(summary: S) {
  const { kernelBySide } = summary;
  return {
    ...summary,
    connectionsReset: summary.connectionsReset ?? null,
    kernel: kernelFromV1(summary.kernel),
    ...(kernelBySide && { kernelBySide: { client: kernelFromV1(kernelBySide.client), server: kernelFromV1(kernelBySide.server) } }),
    clientCounters: summary.clientCounters ?? {},
  };
}

type ServerV1 = NonNullable<ResultV1['variants'][number]['server']>;

/** Version 1 recorded a server setting only where the scenario set it: absent meant the default. */
const serverFromV1 = (server: ServerV1) => ({
  ...server,
  keepAliveHint: server.keepAliveHint ?? SERVER_DEFAULTS.keepAliveHint,
  afterResponse: server.afterResponse ?? SERVER_DEFAULTS.afterResponse,
});

export function resultFromV1(v1: ResultV1): Result {
  const { host, ...server } = v1.params.server;
  return {
    ...v1,
    schemaVersion: SCHEMA_VERSION,
    params: {
      ...v1.params,
      server: { ...serverFromV1(server), host },
      // Before the topology was recorded, every run was on loopback, both ends in this host's namespace.
      topology: v1.params.topology ?? {
        mode: 'loopback',
        netns: 'off',
        fallback: null,
        serverAddress: host,
        clientAddress: null,
        sysctlOverrides: {},
        target: null,
        control: null,
        targetServer: null,
      },
    },
    // Before failures were recorded, a result was written only when every variant had run to its end.
    status: v1.status ?? 'complete',
    variants: v1.variants.map(
      (variant): VariantResult => ({
        ...variant,
        status: variant.status ?? 'complete',
        // Variants had no server settings of their own before they were recorded: the scenario's.
        server: serverFromV1(variant.server ?? server),
        summary: summaryFromV1(variant.summary),
        spread: { min: summaryFromV1(variant.spread.min), max: summaryFromV1(variant.spread.max) },
        trials: variant.trials.map((trial) => ({ ...trial, summary: summaryFromV1(trial.summary) })),
      }),
    ),
  };
}
