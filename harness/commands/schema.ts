// `npm run schema`: rewrites results/schema/result-v<N>.schema.json from the zod schema. It takes no
// options but --help; anything else is bad input (exit 2), and nothing is written.
import { writeFile } from 'node:fs/promises';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { EXIT, LabError } from '../shared/errors.ts';
import { JSON_SCHEMA_FILE, renderJsonSchema } from '../result/json-schema.ts';

const program = labCommand('schema')
  .description("Write the result file's JSON Schema (results/schema/result-v<N>.schema.json) from its declaration (harness/result/schema.ts).")
  .addHelpText('after', '\nExit status: 0 written, 2 bad input, 3 it could not be written.');

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  await writeFile(JSON_SCHEMA_FILE, renderJsonSchema()).catch((error: Error) => {
    throw new LabError(`could not write ${JSON_SCHEMA_FILE.pathname}: ${error.message}`);
  });
  console.error(`schema: wrote ${JSON_SCHEMA_FILE.pathname}`);
  return EXIT.ok;
}

process.exit(await exitCodeOf('schema', () => main(process.argv.slice(2))));
