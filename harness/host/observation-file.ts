// Writes an observation whole or not at all, like a run's result (../result/file.ts): validated
// against its schema, to a temporary file, then moved into place.
import path from 'node:path';
import { fileTimestamp, validJsonText, writeFileAtomically, type ResultDestination } from '../result/file.ts';
import { observationProblems, type Observation } from './observation-schema.ts';

/** `2026-11-23T22-10-05-123Z-observe.json`. */
export const observationFileName = (o: Pick<Observation, 'startedAt'>) => `${fileTimestamp(o.startedAt)}-observe.json`;

export async function writeObservation(observation: Observation, destination: ResultDestination): Promise<string> {
  const text = validJsonText(observation, observationProblems(observation), 'observation');
  return 'file' in destination
    ? await writeFileAtomically(destination.file, text, 'observation')
    : await writeFileAtomically(path.join(destination.folder, observationFileName(observation)), text, 'observation', { replace: false });
}
