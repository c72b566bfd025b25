// Version 1 results, as real runs wrote them (test/fixtures/results-v1/), come out of the migration
// as valid version 2 results: every value they had kept, and each field they lacked holding what
// such a result meant.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { readResult } from '../../harness/result/read.ts';
import { openTopology } from '../../harness/stage/topology.ts';
import { loadScenario } from '../../harness/scenario/catalog.ts';
import { resultFromV1, toCurrent } from '../../harness/result/migrate.ts';
import { resultProblems, SCHEMA_VERSION, type Result } from '../../harness/result/schema.ts';
import { resultV1Problems, type ResultV1 } from '../../harness/result/schema-v1.ts';
import { fixturePath, v1ResultFiles } from '../support/results-fixtures.ts';
import { SERVER_DEFAULTS } from '../../harness/shapes/server-settings.ts';

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, any>;

/** Every leaf of a JSON tree, by path (arrays by index): `{ a: [{ b: 1 }] }` gives `a.0.b` = 1. */
function leaves(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const files = await v1ResultFiles();
const v1Files = await Promise.all(files.map(async (file) => ({ name: path.relative(path.dirname(files[0]!), file), v1: (await readJson(file)) as ResultV1 })));

test('the version 1 fixtures are version 1 results that lack what version 2 requires', () => {
  expect(v1Files.length).toBeGreaterThanOrEqual(9);
  for (const { name, v1 } of v1Files) {
    expect(v1.schemaVersion, name).toBe(1);
    expect(resultV1Problems(v1), name).toEqual([]);
    expect(resultProblems(v1), name).not.toEqual([]);
  }
});

describe.each(v1Files)('$name', ({ v1 }) => {
  const v2 = resultFromV1(v1);

  test('becomes a valid result of the current version', () => {
    expect(v2.schemaVersion).toBe(SCHEMA_VERSION);
    expect(resultProblems(v2)).toEqual([]);
  });

  test('keeps every value it had', () => {
    const after = leaves(v2);
    for (const [field, value] of leaves({ ...v1, schemaVersion: SCHEMA_VERSION })) expect(after.get(field), field).toEqual(value);
  });

  test('what it lacked holds what it meant: complete, on loopback, the scenario\'s server with the defaults it left, nothing counted that was not', async () => {
    const { host, ...server } = v1.params.server;
    expect(v2.status).toBe('complete');
    // Version 1 ran both ends on this host's loopback: what the lab records for --netns off today.
    const loopback = await openTopology(await loadScenario(v1.scenario), { netns: 'off', sysctls: {}, target: null, controlPort: null });
    expect(v2.params.topology).toEqual(loopback.record);
    expect(v2.params.topology.serverAddress).toBe(host);
    for (const variant of v2.variants) {
      expect(variant.status).toBe('complete');
      expect(variant.failure).toBeUndefined();
      // Version 1 recorded only the settings a scenario set: the rest were the defaults.
      // tls and http2 stay absent, as in every result of before them: plain HTTP/1.1.
      const { tls: _tls, http2: _http2, ...plainDefaults } = SERVER_DEFAULTS;
      expect(variant.server).toEqual({ ...plainDefaults, ...server });
      for (const summary of [variant.summary, variant.spread.min, variant.spread.max, ...variant.trials.map((t) => t.summary)]) {
        expect(summary.connectionsReset).toBeNull();
        expect(summary.kernel.timeWaitReused).toBeNull();
        expect(summary.clientCounters).toEqual({});
      }
    }
  });
});

describe('fields a version 1 result already had are kept as they were', () => {
  test('a late version 1 result, with every field, is the same result in version 2', async () => {
    // A version 2 result holds nothing version 1 could not (no null counts here): as version 1, it is a late one.
    const v2 = await readResult(fixturePath('no-body-close-1.json'));
    const asV1 = { ...structuredClone(v2), schemaVersion: 1 } as ResultV1;
    expect(resultV1Problems(asV1)).toEqual([]);
    expect(resultFromV1(asV1)).toEqual(v2);
  });

  test('a failed variant of a version 1 result stays failed, with its failure', async () => {
    const v1 = (await readJson(files[0]!)) as ResultV1;
    const failure = { reason: 'server-exited', message: 'the server exited (code 1)', afterMs: 1200 } as const;
    const failed = { ...v1, status: 'failed', variants: [{ ...v1.variants[0]!, status: 'failed', failure }, ...v1.variants.slice(1)] } as ResultV1;
    expect(resultV1Problems(failed)).toEqual([]);
    const v2 = resultFromV1(failed);
    expect(v2.status).toBe('failed');
    expect(v2.variants.map((v) => v.status)).toEqual(['failed', ...v1.variants.slice(1).map(() => 'complete')]);
    expect(v2.variants[0]!.failure).toEqual(failure);
  });
});

describe('reading a file', () => {
  test('a version 1 file is read through the migration', async () => {
    for (const file of files) expect(await readResult(file)).toEqual(resultFromV1((await readJson(file)) as ResultV1));
  });

  test('a current file is read as it is', async () => {
    const file = fixturePath('tiny-pool.json');
    const result = (await readJson(file)) as Result;
    expect(toCurrent(result)).toBe(result);
    expect(await readResult(file)).toEqual(result);
  });
});
