// The committed JSON Schema is generated from the zod schema and agrees with it: it is up to date,
// accepts the results real runs wrote, and rejects what the zod schema rejects.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { JSON_SCHEMA_FILE, renderJsonSchema } from '../../harness/result/json-schema.ts';
import { resultProblems } from '../../harness/result/schema.ts';
import { ROOT } from '../support/helpers.ts';
import { fixturePath, RESULT_FIXTURES } from '../support/results-fixtures.ts';

const EXAMPLES = path.join(ROOT, 'results/examples');

const committed = await readFile(JSON_SCHEMA_FILE, 'utf8').catch(() => '');
// Formats (date-time) are left to zod; the schema's own pattern still checks the timestamps.
const validate = new Ajv2020({ allErrors: true, validateFormats: false }).compile(JSON.parse(committed || '{}'));

describe('results/schema/result-v1.schema.json', () => {
  test('is what `npm run schema` generates from harness/result/schema.ts', () => {
    // When this fails: npm run schema, and commit the file.
    expect(committed, 'the committed JSON Schema is out of date: run `npm run schema`').toBe(renderJsonSchema());
  });

  test('accepts every result a real run wrote: the test fixtures and the shipped examples', async () => {
    const files = [];
    for (const dir of [RESULT_FIXTURES, EXAMPLES]) {
      files.push(...(await readdir(dir)).filter((name) => name.endsWith('.json')).map((name) => path.join(dir, name)));
    }
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const result: unknown = JSON.parse(await readFile(file, 'utf8'));
      expect(validate(result), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(resultProblems(result), file).toEqual([]);
    }
  });

  test('rejects a malformed result, as the zod schema does', async () => {
    const result = JSON.parse(await readFile(fixturePath('tiny-pool.json'), 'utf8'));
    result.variants[2].trials[1].summary.timeWait.clientSide.peak = -3;
    delete result.env.sysctl.tcp_tw_reuse;
    expect(validate(result)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath).sort()).toEqual(['/env/sysctl', '/variants/2/trials/1/summary/timeWait/clientSide/peak']);
    expect(resultProblems(result).map((p) => p.split(':')[0]).sort()).toEqual(['env.sysctl.tcp_tw_reuse', 'variants.2.trials.1.summary.timeWait.clientSide.peak']);
  });
});
