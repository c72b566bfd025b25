// Entry point of a client process: loads one variant of one scenario, runs its load against the
// server, reports progress and the outcome to the harness over IPC, then exits. Each variant runs
// in a process of its own, like the program it stands for.
import { getOneMessage, sendMessage } from 'execa';
import { loadScenario } from '../scenario/catalog.ts';
import { runLoad } from '../load/load.ts';
import type { ClientJob, ClientMessage } from '../shapes/client-protocol.ts';
import { isProgramVariant } from '../scenario/contract.ts';

const job = (await getOneMessage()) as unknown as ClientJob;
const scenario = await loadScenario(job.scenario);
const variant = scenario.variants.find((v) => v.name === job.variant);
if (!variant || isProgramVariant(variant)) throw new Error(`scenario ${job.scenario} has no Node variant ${job.variant}`);

// A harness that died (killed with SIGKILL) cannot stop us: stop the load ourselves.
const orphaned = () => process.exit(1);
process.once('disconnect', orphaned);

const client = variant.makeClient({ url: job.url, load: job.load });
const outcome = await runLoad(client, job.load, (progress) => {
  void sendMessage({ type: 'progress', ...progress } satisfies ClientMessage);
});
client.close();
await sendMessage({ type: 'done', ...outcome, clientCounters: client.counters?.() ?? {} } satisfies ClientMessage);
process.off('disconnect', orphaned);
process.disconnect();
// Like any program that is done, exit even if the client still holds sockets (a response body nobody
// read pins its connection): the kernel then closes them, as it does for every exiting process.
process.exit(0);
