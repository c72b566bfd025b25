import { defineScenario, type Client } from '../harness/scenario/contract.ts';
import { times } from '../harness/shapes/bounds.ts';
import type { ClientContext } from '../harness/shapes/load-settings.ts';

const SMALL = 1024;
/** Far more than undici buffers for a body nobody reads, so the rest waits in the kernel. */
const LARGE = 1024 * 1024;

/** A fetch client; `handle` decides what happens to the body. The global fetch (undici) owns the pool. */
function fetchClient({ url }: ClientContext, handle: (res: Response) => Promise<unknown> | void): Client {
  return {
    request: async () => {
      const res = await fetch(url);
      await handle(res);
      return res.status;
    },
    // Nothing to close: Node's global fetch keeps its pool; the client process exits when done.
    close: () => {},
  };
}

export default defineScenario({
  name: 'fetch-unconsumed-body',
  summary: 'fetch() responses whose body is never read: harmless when small, a connection and a reset each when large',
  explanation: {
    problem:
      'The client calls fetch(), looks at the status and never reads or cancels the body. ' +
      'With a small body that does no harm; with a large one every request opens a new connection.',
    why:
      'undici (Node\'s fetch) hands a connection back to its pool once it has received the whole response. ' +
      'A small body arrives whole and sits in the stream, so the connection is free at once. A large one fills ' +
      "the stream, undici stops reading, the rest waits in the kernel and the connection stays pinned until the " +
      'garbage collector finalises the Response (or the process exits); then it is closed with data unread, ' +
      'which sends RST (TCPAbortOnClose), not FIN: no TIME_WAIT, but one connection and one reset per request. ' +
      'When the GC runs is up to V8, so the lab counts what does not depend on it: connections (the server) ' +
      'and resets (the kernel, counted after the client process ended).',
    fix:
      'Read the body (await res.arrayBuffer(), res.text(), or iterate res.body) and the connection is reused. ' +
      'await res.body?.cancel() frees a large response at once instead of at GC, but the connection is still ' +
      'lost: a reset and a new connection for the next request.',
  },
  server: { bodyBytes: LARGE },
  load: { requests: 300, concurrency: 10 },
  variants: [
    {
      name: 'large-unread',
      role: 'misconfigured',
      summary: `1 MiB body, neither read nor cancelled`,
      makeClient: (context) => fetchClient(context, () => {}),
    },
    {
      name: 'small-unread',
      role: 'misconfigured',
      summary: `${SMALL} B body, neither read nor cancelled: buffered whole, so the connection is reused`,
      server: { bodyBytes: SMALL },
      makeClient: (context) => fetchClient(context, () => {}),
    },
    {
      name: 'large-cancel',
      role: 'misconfigured',
      summary: '1 MiB body, res.body.cancel(): released at once, but by a reset, so one connection per request',
      makeClient: (context) => fetchClient(context, (res) => res.body?.cancel()),
    },
    {
      name: 'large-read',
      role: 'fix',
      summary: '1 MiB body, read to the end (await res.arrayBuffer())',
      makeClient: (context) => fetchClient(context, (res) => res.arrayBuffer()),
    },
  ],
  claims: [
    // GC or not, every unread large response ends its connection with a reset, sent by the client.
    { variant: 'large-unread', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'large-unread', metric: 'kernel.abortOnClose', atLeast: times(0.9, 'requests') },
    { variant: 'large-unread', metric: 'connectionsReset', atLeast: times(0.9, 'requests') },
    { variant: 'large-unread', metric: 'requests.failed', atMost: 0 },
    // undici may open a second connection per worker while the first is still finishing its response.
    { variant: 'small-unread', metric: 'connectionsOpened', atMost: times(2, 'concurrency') },
    { variant: 'small-unread', metric: 'connectionsReset', atMost: 0 },
    { variant: 'large-cancel', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'large-cancel', metric: 'connectionsReset', atLeast: times(0.9, 'requests') },
    { variant: 'large-read', metric: 'connectionsOpened', atMost: times(2, 'concurrency') },
    { variant: 'large-read', metric: 'connectionsReset', atMost: 0 },
    { variant: 'large-read', metric: 'requests.failed', atMost: 0 },
  ],
});
