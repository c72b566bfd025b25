// The result files under test/fixtures/: real runs of the lab (make-result-fixtures.sh). results/
// holds the current schema version; results-v1/ and results-v2/ hold files the lab wrote at schema
// versions 1 and 2.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readResult, type ResultFile } from '../../harness/result/read.ts';
import { ROOT } from './helpers.ts';

export const RESULT_FIXTURES = path.join(ROOT, 'test/fixtures/results');
export const RESULT_V1_FIXTURES = path.join(ROOT, 'test/fixtures/results-v1');
export const RESULT_V2_FIXTURES = path.join(ROOT, 'test/fixtures/results-v2');
export const EXAMPLES = path.join(ROOT, 'results/examples');

export const fixturePath = (name: string) => path.join(RESULT_FIXTURES, name);
export const v1FixturePath = (name: string) => path.join(RESULT_V1_FIXTURES, name);
export const v2FixturePath = (name: string) => path.join(RESULT_V2_FIXTURES, name);

/** A fixture, read and validated the way compare reads a result. */
export const loadFixture = async (name: string): Promise<ResultFile> => ({ file: fixturePath(name), result: await readResult(fixturePath(name)) });

/** Every result file in these folders (not their subfolders), by full path. */
export async function resultFilesIn(...dirs: string[]): Promise<string[]> {
  const files = await Promise.all(
    dirs.map(async (dir) => (await readdir(dir)).filter((name) => name.endsWith('.json')).map((name) => path.join(dir, name))),
  );
  return files.flat();
}

/** The version 1 files: the compare fixtures, the foundation fixture and the examples as shipped then. */
export const v1ResultFiles = () => resultFilesIn(RESULT_V1_FIXTURES, path.join(RESULT_V1_FIXTURES, 'examples'));
