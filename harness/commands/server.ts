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
  const options = serverOptionsSchema.safeParse({ host, port, controlPort: controlPort ?? null, controlHost, settings } satisfies ServerOptionsInput);
  // Each flag checks its own value as it is parsed; the declaration checks the rest (an empty --host).
  if (!options.success) throw new UsageError(problemLines(options.error, { field: (path) => `--${kebab(String(path.at(-1)))}` }).join('; '));
  // Others depend on this one: over its limit it sheds connections rather than stop.
  const server = await serve(options.data, 'shed');
  console.log(JSON.stringify({ type: 'listening', ...server.listening } satisfies ServerMessage));
  return EXIT.ok;
}

const code = await exitCodeOf('server', () => main(process.argv.slice(2)));
// The server keeps this process alive until it is stopped; anything else ends it now.
if (code !== EXIT.ok) process.exit(code);
