// `npm run schema`: rewrites results/schema/result-v<N>.schema.json from the zod schema.
import { writeFile } from 'node:fs/promises';
import { JSON_SCHEMA_FILE, renderJsonSchema } from '../result/json-schema.ts';

await writeFile(JSON_SCHEMA_FILE, renderJsonSchema());
console.error(`wrote ${JSON_SCHEMA_FILE.pathname}`);
