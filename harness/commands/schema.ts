// `npm run schema`: rewrites results/schema/result-v<N>.schema.json and observation-v<N>.schema.json from their zod schemas. It takes no
// options but --help; anything else is bad input (exit 2), and nothing is written.
import { writeFile } from 'node:fs/promises';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { EXIT, LabError } from '../shared/errors.ts';
import { JSON_SCHEMA_FILE, renderJsonSchema } from '../result/json-schema.ts';
import { OBSERVATION_SCHEMA_FILE, renderObservationJsonSchema } from '../host/observation-schema.ts';

const program = labCommand('schema')
  .description("Write the JSON Schemas of the result file (results/schema/result-v<N>.schema.json, from harness/result/schema.ts) and of the observation file (observation-v<N>.schema.json, from harness/host/observation-schema.ts).")
  .addHelpText('after', '\nExit status: 0 written, 2 bad input, 3 it could not be written.');

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  for (const [file, text] of [
    [JSON_SCHEMA_FILE, renderJsonSchema()],
    [OBSERVATION_SCHEMA_FILE, renderObservationJsonSchema()],
  ] as const) {
    await writeFile(file, text).catch((error: Error) => {
      throw new LabError(`could not write ${file.pathname}: ${error.message}`);
    });
    console.error(`schema: wrote ${file.pathname}`);
  }
  return EXIT.ok;
}

process.exit(await exitCodeOf('schema', () => main(process.argv.slice(2))));
