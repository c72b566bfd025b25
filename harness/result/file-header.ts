// The first fields of the reports the lab writes beside its results (bench, soak): what the file
// is, the version of its contract, and when the run that wrote it started and finished.
import { z } from 'zod';

export function fileHeader<Kind extends string, Version extends number>(kind: Kind, schemaVersion: Version) {
  return {
    kind: z.literal(kind),
    schemaVersion: z.literal(schemaVersion),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
  };
}
