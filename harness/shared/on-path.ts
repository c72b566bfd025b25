// Whether a command is installed, found without running it (a fork costs a command's start): the
// bench's optional tools (wrk, netstat), the Go toolchain. A name with a slash is a path.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

export async function onPath(command: string): Promise<boolean> {
  if (command.includes('/')) return access(command, constants.X_OK).then(() => true, () => false);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (await access(path.join(dir, command), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}
