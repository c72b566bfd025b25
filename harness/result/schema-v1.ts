// Result schema version 1, written as what it lacked beside version 2 (./schema.ts): version 1
// files are still read, and ./migrate.ts brings them up to version 2. Version 1 had these fields
// optional because the results written before them lack them. test/result/json-schema.test.ts
// checks that this accepts what results/schema/result-v1.schema.json (kept as it was) accepts.
import { z } from 'zod';
import { kernelCountersSchema } from '../observe/proc-net.ts';
import { sampleSchema } from '../observe/sampler.ts';
import { resultSchema, serverParamsSchema, summaryFiguresSchema, variantSummarySchema } from './schema.ts';
import { schemaProblems } from './schema-problems.ts';

const count = z.number().int().nonnegative();

const kernelV1 = kernelCountersSchema.extend({ timeWaitReused: z.number().int().optional() });
const lacking = {
  connectionsReset: count.optional(),
  kernel: kernelV1,
  kernelBySide: z.strictObject({ client: kernelV1, server: kernelV1 }).optional(),
  clientCounters: z.record(z.string(), count).optional(),
};
/** Figures that came after version 1: a load under a rate. */
const later = { rate: true, serviceTimeMs: true } as const;
const summaryV1 = variantSummarySchema.omit(later).extend(lacking);
const figuresV1 = summaryFiguresSchema.omit(later).extend(lacking);


/** Version 1 recorded a setting only where the scenario set it: absent meant the default. */
const serverV1 = serverParamsSchema.partial({ keepAliveHint: true, afterResponse: true });

const variantV2 = resultSchema.shape.variants.element;
/** Version 1 knew three reasons a variant failed. */
const failureV1 = variantV2.shape.failure.unwrap().extend({ reason: z.enum(['server-exited', 'client-exited', 'time-limit']) }).optional();
const variantV1 = variantV2.extend({
  status: variantV2.shape.status.optional(),
  failure: failureV1,
  server: serverV1.optional(),
  summary: summaryV1,
  spread: z.strictObject({ min: figuresV1, max: figuresV1 }),
  trials: z.array(z.strictObject({ serverPort: count, summary: summaryV1 })).min(1),
  // Version 1 samples read the socket table every time.
  samples: z.array(sampleSchema.omit({ socketTable: true })),
});

const paramsV2 = resultSchema.shape.params;
/** Version 1 had closed loops only. */
const loadV1 = paramsV2.shape.load.omit({ rate: true }).extend({ pattern: z.enum(['steady', 'bursts']).default('steady') }).required({ pattern: true });
// Version 1 results say nothing of where each figure came from.
export const resultSchemaV1 = resultSchema.omit({ sampling: true }).extend({
  schemaVersion: z.literal(1),
  params: paramsV2.extend({ load: loadV1, server: serverV1.extend({ host: z.string() }), topology: paramsV2.shape.topology.optional() }),
  status: resultSchema.shape.status.optional(),
  variants: z.array(variantV1),
});

export type ResultV1 = z.infer<typeof resultSchemaV1>;

export const resultV1Problems = (value: unknown): string[] => schemaProblems(resultSchemaV1, value);
