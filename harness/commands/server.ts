// `npm run server -- [options]`: the lab's HTTP server by itself, for a lab on another host
// (`npm run scenario -- <name> --target http://<host>:<port>/ --control-port <n>`) and for
// docker-compose.yml. It takes a flag for each server setting (harness/shapes/server-settings.ts declares them),
// prints where it listens as one JSON line on stdout, and runs until it is stopped (Ctrl-C, SIGTERM).
// Bad input: one line saying what is accepted, exit 2.
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { wholeNumber } from '../cli/number-arguments.ts';
import { kebab, serverSettingOptions } from '../cli/server-options.ts';
import { EXIT, UsageError } from '../shared/errors.ts';
import { serve } from '../../servers/serve.ts';
import { STOP_SIGNALS } from '../cli/signals.ts';
import type { ServerMessage } from '../shapes/server-protocol.ts';
import { serverOptionsSchema, type ServerOptionsInput } from '../shapes/server-settings.ts';
import { problemLines } from '../shapes/zod.ts';

/** A port to listen on: 0 lets the kernel pick one. */
const port = wholeNumber(0, 65_535, 'a port', String);
const where = serverOptionsSchema.parse({});

const program = labCommand('server')
  .description("The lab's HTTP server by itself, with its control endpoint if asked; prints where it listens as one JSON line on stdout.")
  .option('--host <address>', 'the address the server binds', where.host)
  .option('--port <n>', 'the port it listens on; 0: one the kernel picks', port, where.port)
  .option('--control-port <n>', 'serve the control endpoint (GET /: counts, settings, TCP figures) on this port; off unless given', port)
  .option('--control-host <address>', 'the address the control endpoint binds, whatever --host is', where.controlHost)
  .addHelpText(
    'after',
    '\nAt its limit of open files it closes each new connection at once, and goes on serving those it has.\n' +
      'Exit status: 2 bad input, 3 it cannot listen; otherwise it runs until it is stopped (Ctrl-C, SIGTERM, SIGHUP).',
  );
for (const option of serverSettingOptions()) program.addOption(option);

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const { host, port, controlPort, controlHost, ...settings } = program.opts();
  // HTTPS: a throw-away CA and certificate, the CA in a folder of its own, removed when the server is stopped.
  const tls = settings.tls || settings.http2 ? await import('../stage/certificates.ts') : null;
  await tls?.checkServerSettings({ tls: Boolean(settings.tls), http2: Boolean(settings.http2), afterResponse: settings.afterResponse as 'keep-alive' });
  const certificates = settings.tls ? await tls!.makeCertificates([host as string]) : null;
  if (certificates) {
    for (const [signal, code] of Object.entries(STOP_SIGNALS)) process.once(signal, () => void certificates.remove().finally(() => process.exit(code)));
  }
  const credentials = certificates && { cert: certificates.cert, key: certificates.key };
  const options = serverOptionsSchema.safeParse({ host, port, controlPort: controlPort ?? null, controlHost, settings, credentials } satisfies ServerOptionsInput);
  // Each flag checks its own value as it is parsed; the declaration checks the rest (an empty --host).
  if (!options.success) throw new UsageError(problemLines(options.error, { field: (path) => `--${kebab(String(path.at(-1)))}` }).join('; '));
  // Others depend on this one: over its limit it sheds connections rather than stop.
  const server = await serve(options.data, 'shed');
  // With --tls, where the CA its clients must trust is (TARGET_CA_FILE and the others: docs/tls.md).
  const listening: ServerMessage = { type: 'listening', ...server.listening };
  console.log(JSON.stringify({ ...listening, ...(certificates && { caFile: certificates.caFile }) }));
  return EXIT.ok;
}

const code = await exitCodeOf('server', () => main(process.argv.slice(2)));
// The server keeps this process alive until it is stopped; anything else ends it now.
if (code !== EXIT.ok) process.exit(code);
