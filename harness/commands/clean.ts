// `npm run clean`: deletes the network namespaces that killed runs of the lab left behind (their
// run's PID is gone). Namespaces of a run still going, and any namespace the lab did not make, stay.
import { EXIT } from '../shared/errors.ts';
import { labNamespaces, removeLeftoverNamespaces } from '../run/netns.ts';
import { lastStderrLine } from '../run/processes.ts';

try {
  const removed = await removeLeftoverNamespaces();
  const live = await labNamespaces();
  console.error(
    removed.length > 0
      ? `clean: removed ${removed.length} network namespaces left by killed runs: ${removed.join(', ')}`
      : 'clean: no network namespaces left by killed runs',
  );
  if (live.length > 0) console.error(`clean: left alone, in use by running lab runs: ${live.map((ns) => ns.name).join(', ')}`);
  process.exit(EXIT.ok);
} catch (error) {
  console.error(`clean: could not remove leftover namespaces (${lastStderrLine(error)}); run it as root: sudo npm run clean`);
  process.exit(EXIT.labFailure);
}
