// The settings of the server under test, declared once: what each accepts, what it means and its
// default. A scenario writes only what differs from the defaults; the lab hands the server process
// its settings (and where to listen) as one object validated here; the standalone server
// (`npm run server`) takes a flag for each; the control endpoint and the result record them all.
import { z } from 'zod';
import { port, timerMs } from './zod.ts';

/** The largest response body: one buffer the server keeps and sends for every request. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export const serverSettingsSchema = z.strictObject({
  bodyBytes: z.number().int().min(0).max(MAX_BODY_BYTES).meta({ description: 'Size of each response body, in bytes.' }).default(1024),
  responseDelayMs: timerMs().meta({ description: 'Delay before each response is sent.' }).default(0),
  keepAliveTimeoutMs: timerMs(1)
    .meta({ description: "The server's keepAliveTimeout: how long an idle connection is kept open (Node's default is 5000 ms)." })
    .default(5000),
  keepAliveTimeoutBufferMs: timerMs()
    .meta({
      description:
        "Node >= 24 closes idle connections keepAliveTimeoutBuffer (default 1000 ms) after the timeout it announces, to dodge the keep-alive race; 0 closes them on time, like servers that have no buffer. Absent: Node's own.",
    })
    .optional(),
  keepAliveHint: z
    .boolean()
    .meta({ description: "Whether keep-alive responses carry `Keep-Alive: timeout=N` (Node's do; those of Go's server do not)." })
    .default(true),
  afterResponse: z
    .enum(['keep-alive', 'close', 'reset'])
    .meta({
      description:
        'How the server ends a connection once it has sent a response. keep-alive: it waits for the next request; close: `Connection: close`, then FIN; reset: `Connection: close`, then RST at once, dropping unsent data.',
    })
    .default('keep-alive'),
  tls: z
    .boolean()
    .meta({ description: 'HTTPS: TLS with a certificate the lab makes for the run, signed by a throw-away CA the clients are told to trust.' })
    .default(false),
  http2: z
    .boolean()
    .meta({ description: 'HTTP/2 over TLS, chosen by ALPN (`h2`); clients that do not offer it get HTTP/1.1. Needs tls.' })
    .default(false),
});

/** What the settings say of each other: HTTP/2 is offered over TLS only (ALPN), and ends connections only when idle; null when they agree. */
export function serverSettingsProblem(settings: Pick<ServerSettings, 'tls' | 'http2' | 'afterResponse'>): string | null {
  if (settings.http2 && !settings.tls) return 'http2 needs tls: the lab offers HTTP/2 by ALPN in the TLS handshake (h2), not in plaintext (h2c)';
  if (settings.http2 && settings.afterResponse !== 'keep-alive') return `http2 keeps its connections open (afterResponse keep-alive); afterResponse ${settings.afterResponse} is for HTTP/1.1`;
  return null;
}

/** Every setting, defaults filled in. */
export type ServerSettings = z.output<typeof serverSettingsSchema>;
export type ServerSettingName = keyof ServerSettings;

export const SERVER_DEFAULTS: ServerSettings = serverSettingsSchema.parse({});

type Shape = typeof serverSettingsSchema.shape;
type WithoutDefault<S> = S extends z.ZodDefault<infer Inner> ? Inner : S;

/**
 * Every setting as a server runs with it: the declaration without its defaults, so that a value
 * that is missing is an error, not a default (what the control endpoint reports).
 */
export const effectiveServerSettingsSchema = z.strictObject(
  Object.fromEntries(Object.entries(serverSettingsSchema.shape).map(([name, field]) => [name, field instanceof z.ZodDefault ? field.unwrap() : field])) as {
    [K in keyof Shape]: WithoutDefault<Shape[K]>;
  },
);

/** The same settings, each optional and none filled in: what a variant sets over its scenario's. */
export const serverSettingOverridesSchema = effectiveServerSettingsSchema.partial();
export type ServerSettingOverrides = z.infer<typeof serverSettingOverridesSchema>;

/** Everything a server process is started with: its settings, where it listens, its control endpoint. */
export const serverOptionsSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  /** 0: a free port the kernel picks. */
  port: port.default(0),
  /** The control endpoint (GET /: counts, settings, the namespace's TCP figures); null: none. */
  controlPort: port.nullable().default(null),
  /** 127.0.0.1 whatever `host` is: a server on 0.0.0.0 does not expose its control endpoint unless asked to. */
  controlHost: z.string().min(1).default('127.0.0.1'),
  settings: serverSettingsSchema.prefault({}),
  /** The certificate and its key (PEM) when settings.tls: made for the stage by harness/stage/certificates.ts. */
  credentials: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).nullable().default(null),
}).superRefine(({ settings, credentials }, ctx) => {
  const problem = serverSettingsProblem(settings);
  if (problem) ctx.addIssue({ code: 'custom', path: ['settings'], message: problem });
  if (settings.tls && !credentials) ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'a TLS server needs its certificate and key' });
});
export type ServerOptions = z.output<typeof serverOptionsSchema>;
export type ServerOptionsInput = z.input<typeof serverOptionsSchema>;
