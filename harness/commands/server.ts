// `npm run server -- [options]`: the lab's HTTP server by itself, for a lab on another host
// (`npm run scenario -- <name> --target http://<host>:<port>/ --control-port <n>`) and for
// docker-compose.yml. It takes a flag for each server setting (servers/settings.ts declares them),
// prints where it listens as one JSON line on stdout, and runs until it is stopped (Ctrl-C, SIGTERM).
// Bad input: one line saying what is accepted, exit 2.
import { Option } from 'commander';
import { z } from 'zod';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { wholeNumber } from '../cli/number-arguments.ts';
import { EXIT, UsageError } from '../shared/errors.ts';
import { serve } from '../../servers/serve.ts';
import type { ServerMessage } from '../../servers/protocol.ts';
import { serverOptionsSchema, serverSettingsSchema, type ServerOptionsInput } from '../../servers/settings.ts';

/** What the JSON Schema of a setting says about it: enough to make its flag. */
interface Field {
  type?: string;
  description?: string;
  default?: unknown;
  minimum: number;
  maximum: number;
  enum?: string[];
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A flag for each server setting, made from its declaration: its values, its default and what it means. */
function settingOptions(): Option[] {
  const { properties } = z.toJSONSchema(serverSettingsSchema, { io: 'input' }) as { properties: Record<string, Field> };
  return Object.entries(properties).map(([name, field]) => {
    const about = field.description ?? '';
    if (field.type === 'boolean') {
      // The one boolean is on by default: its flag turns it off.
      return new Option(`--no-${kebab(name)}`, `${about} (yes unless this flag is given)`);
    }
    const option =
      field.type === 'integer'
        ? new Option(`--${kebab(name)} <n>`, about).argParser(wholeNumber(field.minimum, field.maximum))
        : new Option(`--${kebab(name)} <value>`, about).choices(field.enum ?? []);
    return field.default === undefined ? option : option.default(field.default);
  });
}

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
for (const option of settingOptions()) program.addOption(option);

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const { host, port, controlPort, controlHost, ...settings } = program.opts();
  const options = serverOptionsSchema.safeParse({ host, port, controlPort: controlPort ?? null, controlHost, settings } satisfies ServerOptionsInput);
  // Each flag checks its own value as it is parsed; the declaration checks the rest (an empty --host).
  if (!options.success) throw new UsageError(options.error.issues.map((i) => `--${kebab(String(i.path.at(-1)))}: ${i.message}`).join('; '));
  // Others depend on this one: over its limit it sheds connections rather than stop.
  const server = await serve(options.data, 'shed');
  console.log(JSON.stringify({ type: 'listening', ...server.listening } satisfies ServerMessage));
  return EXIT.ok;
}

const code = await exitCodeOf('server', () => main(process.argv.slice(2)));
// The server keeps this process alive until it is stopped; anything else ends it now.
if (code !== EXIT.ok) process.exit(code);
