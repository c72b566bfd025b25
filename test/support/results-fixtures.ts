// The result files under test/fixtures/results/: real runs of the lab (make-result-fixtures.sh).
import path from 'node:path';
import { readResult, type ResultFile } from '../../harness/result/file.ts';
import { ROOT } from './helpers.ts';

export const RESULT_FIXTURES = path.join(ROOT, 'test/fixtures/results');

export const fixturePath = (name: string) => path.join(RESULT_FIXTURES, name);

/** A fixture, read and validated the way compare reads a result. */
export const loadFixture = async (name: string): Promise<ResultFile> => ({ file: fixturePath(name), result: await readResult(fixturePath(name)) });
