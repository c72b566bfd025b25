// Entry point of the benchmark's fetch client: the same load loop and IPC as the lab's clients
// (harness/entries/client.ts), with Node's global fetch (undici, keep-alive by default) reading
// every body, in a process of its own. The job's scenario and variant name it in messages only.
import { getOneMessage, sendMessage } from 'execa';
import type { ClientJob, ClientMessage } from '../../harness/shapes/client-protocol.ts';
import { runLoad } from '../../harness/load/load.ts';

const job = (await getOneMessage()) as unknown as ClientJob;
const outcome = await runLoad(
  {
    request: async () => {
      const response = await fetch(job.url);
      await response.arrayBuffer();
      return response.status;
    },
    close: () => {},
  },
  job.load,
  () => {},
);
await sendMessage({ type: 'done', ...outcome } satisfies ClientMessage);
process.disconnect();
