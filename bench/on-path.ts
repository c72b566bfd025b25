// Whether a command is installed: the optional tools (wrk, netstat) are measured when present and
// skipped with a note when not.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

export async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (await access(path.join(dir, command), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}
