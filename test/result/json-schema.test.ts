// The committed JSON Schemas agree with the zod schemas: the current version's file is generated and
// up to date, accepts the results real runs wrote, and rejects what the zod schema rejects; version
// 1's file is kept as it was, and the zod schema of version 1 (written as what it lacked beside
// version 2) still accepts exactly what it describes.
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { JSON_SCHEMA_FILE, jsonSchemaFile, renderJsonSchema } from '../../harness/result/json-schema.ts';
import { OBSERVATION_SCHEMA_FILE, OBSERVATION_VERSION, observationProblems, renderObservationJsonSchema } from '../../harness/host/observation-schema.ts';
import { resultProblems, SCHEMA_VERSION } from '../../harness/result/schema.ts';
import { resultSchemaV1, resultV1Problems } from '../../harness/result/schema-v1.ts';
import { EXAMPLES, fixturePath, RESULT_FIXTURES, resultFilesIn, v1ResultFiles } from '../support/results-fixtures.ts';

const readJson = async (file: string | URL): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

const committed = await readFile(JSON_SCHEMA_FILE, 'utf8').catch(() => '');
// Formats (date-time) are left to zod; the schema's own pattern still checks the timestamps.
const ajv = () => new Ajv2020({ allErrors: true, validateFormats: false });
const validate = ajv().compile(JSON.parse(committed || '{}'));

describe(`results/schema/result-v${SCHEMA_VERSION}.schema.json`, () => {
  test('is what `npm run schema` generates from harness/result/schema.ts', () => {
    // When this fails: npm run schema, and commit the file.
    expect(committed, 'the committed JSON Schema is out of date: run `npm run schema`').toBe(renderJsonSchema());
  });

  test('accepts every result a real run wrote: the test fixtures and the shipped examples', async () => {
    const files = await resultFilesIn(RESULT_FIXTURES, EXAMPLES);
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const result = await readJson(file);
      expect(validate(result), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(resultProblems(result), file).toEqual([]);
    }
  });

  test('rejects a malformed result, as the zod schema does', async () => {
    const result = (await readJson(fixturePath('tiny-pool.json'))) as Record<string, any>;
    result.variants[2].trials[1].summary.timeWait.clientSide.peak = -3;
    delete result.env.sysctl.tcp_tw_reuse;
    expect(validate(result)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath).sort()).toEqual(['/env/sysctl', '/variants/2/trials/1/summary/timeWait/clientSide/peak']);
    expect(resultProblems(result).map((p) => p.split(':')[0]).sort()).toEqual(['env.sysctl.tcp_tw_reuse', 'variants.2.trials.1.summary.timeWait.clientSide.peak']);
  });
});

/** A JSON Schema's constraints alone: references resolved, words (descriptions, titles, ids) left out. */
function constraints(node: unknown, defs: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((n) => constraints(n, defs));
  if (typeof node !== 'object' || node === null) return node;
  const { $ref } = node as { $ref?: string };
  if ($ref) return constraints(defs[$ref.replace('#/$defs/', '')], defs);
  const words = ['description', 'title', 'id', '$schema', '$defs'];
  return Object.fromEntries(Object.entries(node).filter(([key]) => !words.includes(key)).map(([key, value]) => [key, constraints(value, defs)]));
}
const constraintsOf = (schema: { $defs?: Record<string, unknown> }) => constraints(schema, schema.$defs ?? {});

describe('results/schema/result-v1.schema.json, kept for the version 1 results', () => {
  test('describes exactly what the zod schema of version 1 accepts', async () => {
    const v1 = (await readJson(jsonSchemaFile(1))) as { $defs?: Record<string, unknown> };
    expect(constraintsOf(z.toJSONSchema(resultSchemaV1, { io: 'input' }))).toEqual(constraintsOf(v1));
  });

  test('accepts every version 1 result a real run wrote, which version 2 refuses', async () => {
    const validateV1 = ajv().compile((await readJson(jsonSchemaFile(1))) as object);
    const files = await v1ResultFiles();
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const result = await readJson(file);
      expect(validateV1(result), `${file}: ${JSON.stringify(validateV1.errors)}`).toBe(true);
      expect(resultV1Problems(result), file).toEqual([]);
      expect(validate(result), file).toBe(false);
    }
  });
});

describe(`results/schema/observation-v${OBSERVATION_VERSION}.schema.json`, () => {
  test('is what `npm run schema` generates from harness/host/observation-schema.ts', async () => {
    expect(await readFile(OBSERVATION_SCHEMA_FILE, 'utf8').catch(() => ''), 'out of date: run `npm run schema`').toBe(renderObservationJsonSchema());
  });

  // test/fixtures/observation-curl-loop.json: written by `npm run observe -- --netns NS --duration 5 --port P`
  // as root, with the lab's server in NS and a loop of 30 curl processes against it.
  test('accepts an observation a real run wrote, and rejects a malformed one, as the zod schema does', async () => {
    const validate = ajv().compile(JSON.parse(renderObservationJsonSchema()));
    const observation = (await readJson(new URL('../fixtures/observation-curl-loop.json', import.meta.url))) as Record<string, any>;
    expect(validate(observation), JSON.stringify(validate.errors)).toBe(true);
    expect(observationProblems(observation)).toEqual([]);
    observation.rows[0].perSecond = -1;
    expect(validate(observation)).toBe(false);
    expect(observationProblems(observation)).toEqual(['rows.0.perSecond: Too small: expected number to be >=0']);
  });
});
