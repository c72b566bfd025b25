// A short fuzz of the code that reads JSON from outside the lab: result files (read one by one and
// as a folder, then compared and printed) and a control endpoint's answers (over real HTTP). The
// inputs are random JSON, real ones with a field replaced by a random value of any type, removed or
// added, and real ones cut off anywhere. The reader either gives what it promises (a result that
// passes its schema, a report of the lab's server) or says in one line, with the error type the
// lab reports, why not: never another exception (a stack trace), never a crash. Seeded and bounded
// (fast-check), so each run tries the same inputs, in a few seconds.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { compareResults } from '../../harness/compare/compare.ts';
import { formatComparison } from '../../harness/output/compare-table.ts';
import { readResult, readResultFolder } from '../../harness/result/read.ts';
import { resultProblems } from '../../harness/result/schema.ts';
import { readControl } from '../../harness/stage/control-endpoint.ts';
import { MeasurementError, UsageError } from '../../harness/shared/errors.ts';
import { printableDeep } from '../../harness/shared/printable.ts';
import { controlReportSchema } from '../../harness/shapes/server-protocol.ts';
import { fixturePath, v1FixturePath } from '../support/results-fixtures.ts';
import { standaloneServer } from '../support/helpers.ts';

const SEED = 16;
const RUNS = 120;
const dir = await mkdtemp(path.join(os.tmpdir(), 'twlab-fuzz-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every place in a JSON tree a value sits, as the path of keys to it. */
function places(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((child, i) => places(child, [...at, i], out));
  else if (value && typeof value === 'object') for (const [key, child] of Object.entries(value)) places(child, [...at, key], out);
  return out;
}

/** `value` with the value at its `pick`-th place replaced by `replacement`, removed, or given a new key. */
function mutate(value: Json, pick: number, how: 'replace' | 'remove' | 'add', replacement: Json): Json {
  const copy = structuredClone(value);
  const all = places(copy).slice(1);
  if (all.length === 0) return replacement;
  const where = all[pick % all.length]!;
  const parent = where.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key]!, copy) as Record<string | number, Json>;
  const key = where.at(-1)!;
  if (how === 'replace') parent[key] = replacement;
  else if (how === 'remove') Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
  else if (!Array.isArray(parent)) parent[`${key}\x1b[2J`] = replacement;
  return copy;
}

/**
 * A real document whose `pick`-th leaf is given another value of its own type: a string any string
 * (control characters and all), a number any number: what still passes a schema, and is printed.
 */
function retype(value: Json, pick: number, text: string, number: number): Json {
  const copy = structuredClone(value);
  const leaves = places(copy).filter((at) => {
    const leaf = at.reduce<Json>((node, key) => (node as Record<string, Json>)[key]!, copy);
    return typeof leaf === 'string' || typeof leaf === 'number';
  });
  const where = leaves[pick % leaves.length]!;
  const parent = where.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key]!, copy) as Record<string | number, Json>;
  parent[where.at(-1)!] = typeof parent[where.at(-1)!] === 'string' ? text : number;
  return copy;
}

/** Text that is random JSON, a real document with one field changed (retyped or not), or a real document cut off. */
function hostileText(real: Json[]): fc.Arbitrary<string> {
  const realText = real.map((r) => JSON.stringify(r, null, 2));
  return fc.oneof(
    fc.tuple(fc.nat(real.length - 1), fc.nat(), fc.string({ unit: 'binary' }), fc.oneof(fc.nat(), fc.integer(), fc.double())).map(([which, pick, text, number]) =>
      JSON.stringify(retype(real[which]!, pick, text, number)),
    ),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.tuple(fc.nat(real.length - 1), fc.nat(), fc.constantFrom('replace' as const, 'remove' as const, 'add' as const), fc.jsonValue()).map(([which, pick, how, v]) =>
      JSON.stringify(mutate(real[which]!, pick, how, v as Json)),
    ),
    fc.tuple(fc.nat(realText.length - 1), fc.nat()).map(([which, cut]) => realText[which]!.slice(0, cut % realText[which]!.length)),
    fc.string(),
  );
}

/** One line, no stack trace. */
const oneLine = (message: string) => expect(message).not.toMatch(/\n|^\s+at /m);

const real = await Promise.all(
  [fixturePath('no-body-close-1.json'), fixturePath('tiny-pool.json'), v1FixturePath('no-body-close-1.json')].map(async (f) => JSON.parse(await readFile(f, 'utf8')) as Json),
);
const original = await readResult(fixturePath('no-body-close-1.json'));
const { child: server, listening } = await standaloneServer(['--control-port', '0']);
const realReport = (await (await fetch(`http://127.0.0.1:${listening.controlPort}/`)).json()) as Json;
afterAll(async () => {
  server.kill();
  await server;
});

describe('result files', () => {
  test('read one by one: a valid result (then compared and printed), or one line naming the file', async () => {
    let n = 0;
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(hostileText(real), async (text) => {
        const file = path.join(dir, `one-${n++}.json`);
        await writeFile(file, text);
        try {
          const result = await readResult(file);
          expect(resultProblems(result)).toEqual([]);
          // What reads as a result compares and prints like one.
          valid++;
          if (result.scenario !== original.scenario) return;
          const comparison = compareResults([{ file: fixturePath('no-body-close-1.json'), result: original }, { file, result }]);
          // Printed as compare prints it: whatever the strings held, no control character but the line ends.
          expect(formatComparison(printableDeep(comparison), { columns: 100 })).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          oneLine((error as Error).message);
          expect((error as Error).message.startsWith(`${file}: `)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The inputs reach both ways out: some read as results, the rest are refused.
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(RUNS);
  });

  test('read as a folder: every file read or skipped with its reason, the rest still compared', async () => {
    const folder = await mkdtemp(path.join(dir, 'folder-'));
    const texts = fc.sample(hostileText(real), { seed: SEED, numRuns: RUNS });
    await Promise.all(texts.map((text, i) => writeFile(path.join(folder, `f-${i}.json`), text)));
    const { results, skipped } = await readResultFolder(folder);
    expect(results.length + skipped.length).toBe(texts.length);
    for (const { why } of skipped) oneLine(why);
    for (const { result } of results) expect(resultProblems(result)).toEqual([]);
  });
});

describe('control endpoint answers', () => {
  test('over HTTP: a report of the lab\'s server, or a MeasurementError in one line', async () => {
    let answer = '';
    const fake = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fake.address() as net.AddressInfo).port}/`;
    try {
      await fc.assert(
        fc.asyncProperty(hostileText([realReport]), async (text) => {
          answer = text;
          try {
            const report = await readControl(url);
            expect(controlReportSchema.safeParse(report).success).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(MeasurementError);
            oneLine((error as Error).message);
            expect((error as Error).message.startsWith(`the control endpoint ${url} `)).toBe(true);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      fake.closeAllConnections();
      fake.close();
    }
  });
});
