// JSON on stdout, for --json: the one thing a command prints there.

/**
 * Writes JSON on stdout and resolves once it is handed to the system: to a pipe Node writes
 * asynchronously, and a process that exits first cuts it short (at 292 KB here).
 */
export function printJson(value: unknown): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`, (error) => (error ? reject(error) : resolve())));
}
