// `npm run clean [-- <folder>...]`: deletes what killed runs of the lab left behind (their run's PID
// is gone): network namespaces, tracing instances (harness/observe/tracer.ts), the processes their
// measured clients left running with the cgroups that hold them, and the temporary files of result writes in results/ and its
// subfolders (a workshop's session), or in the folders given. What a run still going uses, and
// anything the lab did not make, stays. Exit 0 done, 2 bad input, 3 a namespace could not be removed.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { exitCodeOf, labCommand } from '../cli/command.ts';
import { pathArguments } from '../cli/path-arguments.ts';
import { EXIT, LabError, UsageError } from '../shared/errors.ts';
import { labNamespaces, removeLeftoverNamespaces } from '../stage/netns.ts';
import { labInstances, removeLeftoverInstances } from '../observe/tracer.ts';
import { lastStderrLine } from '../process/tracked.ts';
import { RESULTS_DIR } from '../result/file.ts';
import { removeLeftoverFiles } from '../result/leftover-files.ts';
import { leftoverClientsLine, removeLeftoverClients } from '../load/leftover-clients.ts';

const program = labCommand('clean')
  .description(
    'Delete what killed runs of the lab left behind: their network namespaces, their tracing instances, the processes their measured clients left running (and the cgroups that hold them), and the temporary files of their result writes.',
  )
  .argument('[folders...]', 'folders to clear of temporary files left by killed runs (default: results/ and its subfolders)', pathArguments('a folder'))
  .addHelpText('after', '\nExit status: 0 done, 2 bad input, 3 a namespace or tracing instance could not be removed (run it as root: sudo npm run clean).');

/** results/ and the folders in it (a workshop's session, examples/). */
async function defaultFolders(): Promise<string[]> {
  const entries = await readdir(RESULTS_DIR, { withFileTypes: true }).catch(() => []);
  return [RESULTS_DIR, ...entries.filter((e) => e.isDirectory()).map((e) => path.join(RESULTS_DIR, e.name))];
}

async function main(argv: string[]): Promise<number> {
  program.parse(argv, { from: 'user' });
  const given: string[] = program.args;
  for (const folder of given) {
    if (!(await stat(folder).catch(() => null))?.isDirectory()) throw new UsageError(`${folder} is not a folder; give folders that hold result files`);
  }
  const files = (await Promise.all((given.length > 0 ? given : await defaultFolders()).map(removeLeftoverFiles))).flat();
  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  console.error(
    files.length > 0
      ? `clean: removed ${files.length} temporary files left by killed runs: ${files.map(relative).join(', ')}`
      : 'clean: no temporary files left by killed runs',
  );
  // The clients first: in a namespace of a dead run, they would end unnamed with it.
  const clients = leftoverClientsLine(await removeLeftoverClients());
  console.error(`clean: ${clients ?? 'no measured client processes or cgroups left by killed runs'}`);
  const removed = await removeLeftoverNamespaces().catch((error: unknown) => {
    throw new LabError(`could not remove leftover namespaces (${lastStderrLine(error)}); run it as root: sudo npm run clean`);
  });
  const live = await labNamespaces();
  console.error(
    removed.length > 0
      ? `clean: removed ${removed.length} network namespaces left by killed runs: ${removed.join(', ')}`
      : 'clean: no network namespaces left by killed runs',
  );
  if (live.length > 0) console.error(`clean: left alone, in use by running lab runs: ${live.map((ns) => ns.name).join(', ')}`);
  const instances = await removeLeftoverInstances().catch((error: unknown) => {
    throw new LabError(`could not remove leftover tracing instances (${(error as Error).message}); run it as root: sudo npm run clean`);
  });
  console.error(
    instances.length > 0
      ? `clean: removed ${instances.length} tracing instances left by killed runs: ${instances.join(', ')}`
      : 'clean: no tracing instances left by killed runs',
  );
  const tracing = await labInstances();
  if (tracing.length > 0) console.error(`clean: left alone, tracing for running lab runs: ${tracing.map((i) => i.name).join(', ')}`);
  return EXIT.ok;
}

process.exit(await exitCodeOf('clean', () => main(process.argv.slice(2))));
