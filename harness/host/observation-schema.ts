// The observation file of `npm run observe`: a result of its own kind (`kind: "observation"`),
// validated against this schema when written and read, written whole or not at all like a run's
// result. results/schema/observation-v<N>.schema.json is generated from it (`npm run schema`).
import { z } from 'zod';
import { kernelCountersSchema } from '../shapes/proc-net.ts';
import { schemaProblems } from '../shapes/zod.ts';
import { PATTERNS } from './patterns.ts';

export const OBSERVATION_VERSION = 1;

const count = z.number().int().nonnegative();
const rate = z.number().nonnegative();

const processSchema = z.strictObject({
  name: z.string().meta({ description: 'The program: the base name of the first word of /proc/PID/cmdline while it ran, else the task name the trace gave.' }),
  pids: z.array(z.number().int().positive()).meta({ description: 'The first PIDs seen (at most 5).' }),
  processes: count.meta({ description: 'How many processes of that name opened these connections.' }),
  commandLine: z.string().nullable().meta({ description: "The first process's command line, when it was read while it ran." }),
});

const budgetSchema = z
  .strictObject({
    ports: count.meta({ description: 'The ports of ip_local_port_range.' }),
    inUse: count.meta({ description: "Sockets of the namespace towards the destination at the end (any state): the ports they hold." }),
    twReuse: z.boolean().meta({ description: 'Whether tcp_tw_reuse lets new connections take over its TIME_WAIT ports (1; 2 on loopback only).' }),
    plateau: count.meta({ description: 'TIME_WAIT that the rate of connections closed here first heads for: rate x 60 s.' }),
    exhaustedInS: z.number().nonnegative().nullable().meta({ description: 'Seconds until the ports run out at that rate; null: they hold.' }),
  })
  .meta({ description: "The port budget of connections to this destination (outbound rows, when the namespace's sysctls were read)." });

export const rowSchema = z.strictObject({
  direction: z.enum(['outbound', 'inbound']).meta({ description: 'outbound: this namespace connected (a client); inbound: it accepted (a server).' }),
  destination: z.string().meta({ description: 'Outbound: the remote address and port; inbound: the remote address and the local port it connected to.' }),
  remoteAddress: z.string(),
  port: z.number().int().min(1).max(65_535).meta({ description: 'Outbound: the remote port; inbound: the local (listening) port.' }),
  process: processSchema.nullable().meta({ description: 'The program that connected (outbound, traced); null without the tracer, and inbound.' }),
  newConnections: count.meta({ description: 'Connections opened in the window (failed connects not counted).' }),
  perSecond: rate.meta({ description: 'newConnections over the window.' }),
  closedFirst: z.strictObject({ local: count, remote: count, reset: count, unknown: count }).meta({
    description: 'Which end closed each first: local (this namespace keeps the TIME_WAIT), remote, a reset; unknown: still open, or not seen closing.',
  }),
  failedConnects: count,
  medianLifetimeMs: z.number().nonnegative().nullable().meta({ description: 'From the connect to the close; null without the tracer.' }),
  timeWaitNow: count.meta({ description: 'Sockets of the namespace in TIME_WAIT towards it at the end.' }),
  establishedNow: count,
  budget: budgetSchema.nullable(),
  pattern: z.enum(Object.keys(PATTERNS) as [keyof typeof PATTERNS]).nullable().meta({ description: 'The catalogue pattern it matches (docs/scenarios.md); null: it does not churn.' }),
  diagnosis: z.string().meta({ description: 'The row in a sentence, with its pattern, scenario and fix.' }),
});

const sampleSchema = z.strictObject({
  tMs: z.number().nonnegative().meta({ description: 'Since the observation began.' }),
  timeWait: count.meta({ description: "The namespace's TIME_WAIT (/proc/net/sockstat tw): every socket, filters or not." }),
  activeOpens: z.number().int().meta({ description: 'Tcp ActiveOpens since the observation began (the whole namespace).' }),
  passiveOpens: z.number().int(),
  destinations: z
    .array(z.strictObject({ destination: z.string(), timeWait: count, opened: count.meta({ description: 'Connections opened since the observation began.' }) }))
    .meta({ description: 'The busiest destinations of that moment (at most 10), filtered.' }),
});

export const observationSchema = z
  .strictObject({
    kind: z.literal('observation'),
    schemaVersion: z.literal(OBSERVATION_VERSION),
    startedAt: z.iso.datetime(),
    windowS: z.number().nonnegative().meta({ description: 'How long it observed.' }),
    endedBy: z.enum(['duration', 'interrupted', 'gone']).meta({ description: 'duration: it ran its --duration; interrupted: a signal (Ctrl-C); gone: the observed process or namespace went away.' }),
    endedBecause: z.string().nullable().meta({ description: 'What went away (endedBy gone).' }),
    namespace: z.strictObject({
      kind: z.enum(['host', 'netns', 'pid']),
      name: z.string().nullable(),
      pid: z.number().int().positive().nullable(),
      description: z.string(),
    }),
    filters: z.strictObject({ port: z.number().int().min(1).max(65_535).nullable(), remote: z.string().nullable() }),
    traced: z.boolean().meta({ description: 'Whether the tracer saw each connection (processes, lifetimes, resets); false: the socket table over time only.' }),
    notTracedBecause: z.string().nullable(),
    unread: z.array(z.string()).meta({ description: 'What could not be read, in words.' }),
    sysctls: z
      .strictObject({ portRangeLow: count, portRangeHigh: count, twReuse: count, maxTwBuckets: count })
      .nullable()
      .meta({ description: "The observed namespace's ip_local_port_range, tcp_tw_reuse and tcp_max_tw_buckets; null: not readable." }),
    counters: kernelCountersSchema.meta({ description: 'Deltas of the namespace\'s /proc/net/snmp and netstat counters over the window (the whole namespace).' }),
    timeWaitNow: count.meta({ description: "The namespace's TIME_WAIT at the end (sockstat)." }),
    churns: z.boolean().meta({ description: 'Whether some row opens a connection a second or more.' }),
    summary: z.string().meta({ description: 'The answer in one line.' }),
    rows: z.array(rowSchema).meta({ description: 'Busiest first: new connections a second, then TIME_WAIT now.' }),
    samples: z.array(sampleSchema),
  })
  .meta({ id: 'Observation', description: 'What npm run observe saw of one network namespace, reading only.' });

export type Observation = z.infer<typeof observationSchema>;
export type ObservationSample = z.infer<typeof sampleSchema>;

export const observationProblems = (value: unknown) => schemaProblems(observationSchema, value);

/** Its JSON Schema file, for readers outside TypeScript (`npm run schema` writes it; a test fails when it is out of date). */
export const OBSERVATION_SCHEMA_FILE = new URL(`../../results/schema/observation-v${OBSERVATION_VERSION}.schema.json`, import.meta.url);

export function renderObservationJsonSchema(): string {
  // io 'input': what a file must contain to be read (the same as what is written: no defaults).
  return `${JSON.stringify(z.toJSONSchema(observationSchema, { io: 'input' }), null, 2)}\n`;
}
