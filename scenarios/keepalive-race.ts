import http from 'node:http';
import { defineScenario } from '../harness/scenario/contract.ts';
import { agentClient, consume } from './_http.ts';
import { requestsPerConcurrencyAtLeast } from '../harness/scenario/conditions.ts';

/** The server closes a connection idle this long (on time: no buffer, no `Keep-Alive` hint sent). */
const SERVER_IDLE_MS = 100;
/** The fixed client drops an idle socket after this long, well before the server does. */
const CLIENT_IDLE_MS = 50;
/**
 * Bursts a run needs for the race to show for sure: only the few pauses of the sweep that land
 * within a millisecond or two of the server's timeout can hit it. Measured here: 40 bursts (the
 * default 800 requests) hit it 17 to 47 times in every run; 15 bursts (300 requests) none in one
 * run of three.
 */
const RACE_BURSTS = 40;
const enoughBursts = requestsPerConcurrencyAtLeast(RACE_BURSTS, `${RACE_BURSTS} bursts or more (${RACE_BURSTS} × concurrency requests): fewer pauses may all miss the server's timeout`);

/** GET once; a failed request's error carries whether it went out on a reused (idle) socket. */
function getOnce(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => consume(res).then(() => resolve(res.statusCode ?? 0), reject));
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
  });
}

export default defineScenario({
  name: 'keepalive-race',
  summary: `the client reuses sockets idle longer than the server's keepAliveTimeout: ECONNRESET when both act at once`,
  explanation: {
    problem:
      `The server closes connections idle for ${SERVER_IDLE_MS} ms; the client keeps idle sockets with no limit of ` +
      'its own. Requests come in bursts, and the pause between bursts straddles the server\'s timeout.',
    why:
      'The server closes an idle socket (FIN) at the moment its timer fires. A client that writes a request on ' +
      'that socket before it has seen the FIN sends it to a closed connection (or one the server closes with the ' +
      'request unread): the server\'s kernel answers RST and the request fails with ECONNRESET ("socket hang up"), ' +
      'although the server is fine. Only requests sent within a few milliseconds of the timeout can hit it, hence ' +
      'pauses that sweep across it. Recent Node ' +
      'releases soften this on both sides: the server closes keepAliveTimeoutBuffer (1 s) after the timeout it ' +
      'announces (configurable since v24.6, nodejs/node#59243), and an agent with a `timeout` of its own drops ' +
      'idle sockets 1 s before the `Keep-Alive: timeout=N` hint. This server closes on time and sends no hint, ' +
      "like Go's net/http server and many proxies; the result records the Node version.",
    fix:
      `Keep the client's idle timeout below the server's (new http.Agent({ keepAlive: true, timeout: ${CLIENT_IDLE_MS} })), ` +
      'or honour the server\'s Keep-Alive hint where it sends one, or retry an idempotent request once when it failed ' +
      'with ECONNRESET on a reused socket (req.reusedSocket, as the Node docs show).',
  },
  server: { keepAliveTimeoutMs: SERVER_IDLE_MS, keepAliveTimeoutBufferMs: 0, keepAliveHint: false },
  load: { requests: 800, concurrency: 20, pattern: 'bursts', burstGapMs: SERVER_IDLE_MS - 5, gapSpreadMs: 15 },
  variants: [
    {
      name: 'bad',
      role: 'misconfigured',
      summary: 'keep-alive agent with no idle timeout of its own',
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }),
    },
    {
      name: 'idle-timeout',
      role: 'fix',
      summary: `keep-alive agent that drops sockets idle for ${CLIENT_IDLE_MS} ms (timeout: ${CLIENT_IDLE_MS})`,
      makeClient: ({ url }) => agentClient(url, { keepAlive: true, timeout: CLIENT_IDLE_MS }),
    },
    {
      name: 'retry',
      role: 'fix',
      summary: 'keep-alive agent, retries a GET that failed with ECONNRESET on a reused socket',
      makeClient: ({ url }) => {
        const agent = new http.Agent({ keepAlive: true });
        let retries = 0;
        const request = async (): Promise<number> => {
          // A failed reused socket has left the pool; each retry takes another idle one or a new
          // connection, so this ends after at most as many retries as there were idle sockets.
          for (;;) {
            try {
              return await getOnce(url, agent);
            } catch (error) {
              const { code, reusedSocket } = error as { code?: string; reusedSocket?: boolean };
              if (!(reusedSocket && code === 'ECONNRESET')) throw error;
              retries++;
            }
          }
        };
        return { request, close: () => agent.destroy(), counters: () => ({ retries }) };
      },
    },
  ],
  claims: [
    { variant: 'bad', metric: 'requests.failed', atLeast: 1, when: enoughBursts },
    { variant: 'idle-timeout', metric: 'requests.failed', atMost: 0 },
    { variant: 'retry', metric: 'requests.failed', atMost: 0 },
    { variant: 'retry', metric: 'clientCounters.retries', atLeast: 1, when: enoughBursts },
  ],
});
