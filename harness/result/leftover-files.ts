// The temporary files of a write (result/file.ts), which only a killed process leaves behind (SIGKILL
// between their creation and their removal): the destination check's probe `.write-check.<pid>.tmp`
// and its `.link`, and a write's `.<name>.<pid>-<hex>.tmp`. Each name carries its writer's PID, so
// the next run and `npm run clean` remove those whose process is gone, like namespaces, and only those.
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../process/pids.ts';

/** The destination check's probe in `folder`; it is also linked to `<probe>.link`. */
export const probeFile = (folder: string) => path.join(folder, `.write-check.${process.pid}.tmp`);

/** A temporary file beside `file`, unique to this write: no other writer (another run, or this one twice) shares or removes it. */
export const temporaryFile = (file: string) =>
  path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

/** Names as probeFile and temporaryFile make them, each with the PID of its writer. */
const LEFTOVER_NAMES = [/^\.write-check\.(\d+)\.tmp(?:\.link)?$/, /^\..+\.(\d+)-[0-9a-f]{8}\.tmp$/];

/** The PID of the process that wrote a temporary file of this name, or null when it is no such name. */
export function writerOf(name: string): number | null {
  for (const pattern of LEFTOVER_NAMES) {
    const match = pattern.exec(name);
    if (match) return Number(match[1]);
  }
  return null;
}

/**
 * Removes from `folder` (not its subfolders) the temporary files whose writer is gone; returns their
 * paths. Files of running processes, links and folders, and every other name, stay.
 */
export async function removeLeftoverFiles(folder: string): Promise<string[]> {
  const entries = (await readdir(folder, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
  const removed: string[] = [];
  for (const entry of entries) {
    const writer = entry.isFile() ? writerOf(entry.name) : null;
    if (writer === null || writer === process.pid || (await isAlive(writer))) continue;
    const file = path.join(folder, entry.name);
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}
