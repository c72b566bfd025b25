// The soak report's contract (results/soak-<time>.json), as a schema: the report is validated
// against it before it is written. Sizes are in bytes, times in milliseconds, as the names say.
import { z } from 'zod';
import { environmentSchema } from '../observe/environment.ts';
import { fileHeader } from '../result/file-header.ts';
import { schemaProblems, count, positiveCount } from '../shapes/zod.ts';

export const SOAK_SCHEMA_VERSION = 1;

/** What the soak process and the system looked like between two iterations (soak-measure.ts). */
export const boundarySchema = z.strictObject({
  fds: count.meta({ description: "This process's open file descriptors (/proc/self/fd)." }),
  fdKinds: z.record(z.string(), count).meta({ description: 'The same by kind: socket, pipe, anon_inode:[eventpoll], a path...' }),
  rssBytes: count,
  rssAnonBytes: count.meta({ description: 'The part of RSS the process allocated (RssAnon of /proc/self/status).' }),
  rssFileBytes: count.meta({ description: 'The part of RSS that maps files: the node binary and libraries (RssFile).' }),
  heapUsedBytes: count.meta({ description: 'V8 heap in use right after a forced full garbage collection.' }),
  externalBytes: count.meta({ description: 'Memory of C++ objects bound to JavaScript ones, Buffers included (process.memoryUsage().external).' }),
  processes: count.meta({ description: 'Processes the soak started (marked in their environment) that still exist.' }),
  namespaces: z.array(z.string()).meta({ description: 'Lab network namespaces this process made that still exist.' }),
  hostTimeWait: count.meta({ description: "TIME_WAIT sockets of the host's network namespace, every program's (/proc/net/sockstat)." }),
});
export type Boundary = z.infer<typeof boundarySchema>;

const variantSchema = z.strictObject({
  name: z.string(),
  role: z.enum(['misconfigured', 'fix']),
  status: z.enum(['complete', 'failed']).meta({ description: "failed: it stopped before its client finished (the result's failure); its figures are left out of the checks but this one." }),
  failure: z.string().nullable().meta({ description: 'Why a failed variant stopped, as the result says it.' }),
  exactCounts: z.record(z.string(), count).meta({ description: 'The counts that are exact by construction (harness/result/aggregate.ts), by figure path.' }),
  errorsByCode: z.record(z.string(), count).meta({ description: 'Failed requests by error code: a variant that failed one is left out of the exact count comparison.' }),
  kernelOpens: z
    .strictObject({ client: z.number().int(), server: z.number().int() })
    .nullable()
    .meta({ description: "Namespace runs: ActiveOpens of the client's namespace and PassiveOpens of the server's; null on loopback." }),
  namespaceTimeWaitPeak: z
    .strictObject({ client: count, server: count })
    .nullable()
    .meta({ description: "Namespace runs: the peak TIME_WAIT of each side's whole namespace; null on loopback." }),
});
export type SoakVariant = z.infer<typeof variantSchema>;

export const iterationSchema = z.strictObject({
  iteration: positiveCount,
  entry: z.string().meta({ description: '<scenario>@<topology>: iterations with the same entry are compared.' }),
  scenario: z.string(),
  topology: z.enum(['loopback', 'namespaces']),
  load: z.strictObject({ requests: count, concurrency: count }),
  startedAt: z.iso.datetime(),
  durationMs: count,
  claims: z.strictObject({ held: count, total: count, failed: z.array(z.string()) }),
  variants: z.array(variantSchema),
  during: z
    .strictObject({ processes: count, namespaces: count })
    .meta({ description: 'The most processes and namespaces of the soak seen while a variant ran: the checks can see them.' }),
  after: boundarySchema,
});
export type Iteration = z.infer<typeof iterationSchema>;

export const checkSchema = z.strictObject({ name: z.string(), held: z.boolean(), detail: z.string() });
export type Check = z.infer<typeof checkSchema>;

export const soakReportSchema = z.strictObject({
  ...fileHeader('timewait-lab-soak', SOAK_SCHEMA_VERSION),
  settings: z.strictObject({
    minutes: z.number().positive(),
    iterations: positiveCount.nullable(),
    entries: z.array(z.string()),
    requests: positiveCount.nullable().meta({ description: "--requests for every entry; null: each entry's own." }),
  }),
  env: environmentSchema,
  before: boundarySchema.meta({ description: 'Before the first iteration.' }),
  iterations: z.array(iterationSchema),
  checks: z.array(checkSchema),
  flat: z.boolean().meta({ description: 'Every check held.' }),
});
export type SoakReport = z.infer<typeof soakReportSchema>;

/** One line per problem, naming the field. */
export const soakReportProblems = (value: unknown) => schemaProblems(soakReportSchema, value);
