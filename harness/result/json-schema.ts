// The result schema as a JSON Schema file, for readers outside TypeScript. Generated from the zod
// schema (the single source); a test fails when the committed file is out of date.
// `npm run schema` (harness/commands/schema.ts) rewrites the current version's file; the files of
// older versions stay as they were generated, for the results written in them.
import { z } from 'zod';
import { resultSchema, SCHEMA_VERSION } from './schema.ts';

export const jsonSchemaFile = (version: number) => new URL(`../../results/schema/result-v${version}.schema.json`, import.meta.url);

export const JSON_SCHEMA_FILE = jsonSchemaFile(SCHEMA_VERSION);

export function renderJsonSchema(): string {
  // io 'input': what a file must contain to be read (the same as what is written: no defaults).
  return `${JSON.stringify(z.toJSONSchema(resultSchema, { io: 'input' }), null, 2)}\n`;
}

