// The HTTP server under test, run as its own process. It counts what it sees (connections accepted,
// requests served) so the harness has ground truth beside the socket table.
// Usage: node servers/http-server.ts [--host 127.0.0.1] [--port 0] [--body-bytes 1024]
//        [--response-delay-ms 0] [--keep-alive-timeout-ms 5000] [--keep-alive-timeout-buffer-ms N]
//        [--no-keep-alive-hint] [--after-response keep-alive|close|reset]
//        [--control-port N] [--control-host 127.0.0.1]
// With an IPC channel (started by the harness) it reports {type:'listening'} and answers
// {type:'stats'} requests; without one it prints the listening line as JSON on stdout.
// --control-port (off by default) also serves GET / on that port: the server's counts, settings and
// its own network namespace's TCP figures, so that a harness on another host (`--target`) records
// both sides. It binds --control-host, 127.0.0.1 unless told otherwise, whatever --host is: a
// server on 0.0.0.0 does not expose its control endpoint to other hosts unless asked to
// (--control-host 0.0.0.0, as docker-compose.yml does on its private network).
import http from 'node:http';
import type net from 'node:net';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { getEachMessage, sendMessage } from 'execa';
import { parseSockstat, readKernelCounters, type KernelCounters, type Sockstat } from '../harness/observe/proc-net.ts';
import { OWN_FILES, openFilesLimit } from '../harness/run/open-files.ts';

export interface ServerStats {
  connectionsAccepted: number;
  connectionsOpen: number;
  requestsServed: number;
  /** Connections whose socket failed with ECONNRESET or EPIPE: the client reset them. */
  connectionsReset: number;
}

export interface ServerConfig {
  bodyBytes: number;
  responseDelayMs: number;
  keepAliveTimeoutMs: number;
}

/** What the control endpoint answers. The figures are cumulative: a reader takes differences. */
export interface ControlReport {
  stats: ServerStats;
  settings: ServerConfig;
  sockstat: Sockstat;
  kernel: KernelCounters;
}

export type ServerMessage =
  | { type: 'listening'; host: string; port: number; pid: number; controlHost: string | null; controlPort: number | null }
  | ({ type: 'stats' } & ServerStats);

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'body-bytes': { type: 'string', default: '1024' },
    'response-delay-ms': { type: 'string', default: '0' },
    'keep-alive-timeout-ms': { type: 'string', default: '5000' },
    'keep-alive-timeout-buffer-ms': { type: 'string' },
    'no-keep-alive-hint': { type: 'boolean', default: false },
    'after-response': { type: 'string', default: 'keep-alive' },
    'control-port': { type: 'string' },
    'control-host': { type: 'string', default: '127.0.0.1' },
  },
});

function wholeNumber(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    console.error(`http-server: --${name} must be a whole number >= 0, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const settings: ServerConfig = {
  bodyBytes: wholeNumber('body-bytes', values['body-bytes']),
  responseDelayMs: wholeNumber('response-delay-ms', values['response-delay-ms']),
  keepAliveTimeoutMs: wholeNumber('keep-alive-timeout-ms', values['keep-alive-timeout-ms']),
};
const body = Buffer.alloc(settings.bodyBytes, 'x');
const afterResponse = values['after-response'];
if (!['keep-alive', 'close', 'reset'].includes(afterResponse)) {
  console.error(`http-server: --after-response must be keep-alive, close or reset, got "${afterResponse}"`);
  process.exit(2);
}
const stats: ServerStats = { connectionsAccepted: 0, connectionsOpen: 0, requestsServed: 0, connectionsReset: 0 };

const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'content-length': body.length };
// Node adds `Keep-Alive: timeout=N` only when the response does not set Connection itself.
if (afterResponse !== 'keep-alive') headers.connection = 'close';
else if (values['no-keep-alive-hint']) headers.connection = 'keep-alive';

const server = http.createServer((req, res) => {
  const respond = () => {
    stats.requestsServed++;
    res.writeHead(200, headers);
    res.end(body);
    // SO_LINGER 0: the kernel drops what it has not sent yet and sends RST instead of FIN.
    if (afterResponse === 'reset') res.socket?.resetAndDestroy();
  };
  req.resume();
  if (settings.responseDelayMs > 0) setTimeout(respond, settings.responseDelayMs);
  else respond();
});
server.keepAliveTimeout = settings.keepAliveTimeoutMs;
// Each connection holds an open file. At the limit accept() fails with EMFILE and libuv accepts and
// closes the connections it cannot keep (uv__emfile_trick in src/unix/stream.c), with no error
// anywhere: the client would seem to fail on its own (ECONNRESET, EOF). Stop loudly just before:
// past maxConnections Node closes each new connection and emits 'drop' (net.Server). The scenario
// CLI refuses a concurrency that does not fit with room to spare (harness/run/open-files.ts).
const limit = openFilesLimit();
server.maxConnections = limit - OWN_FILES;
server.on('drop', () => {
  console.error(
    `http-server: ran out of open files (${server.maxConnections} connections open, the most its limit of ${limit} allows, ulimit -Hn): ` +
      'raise it or open fewer connections at once',
  );
  process.exit(3);
});
const buffer = values['keep-alive-timeout-buffer-ms'];
if (buffer !== undefined) server.keepAliveTimeoutBuffer = wholeNumber('keep-alive-timeout-buffer-ms', buffer);
server.on('connection', (socket) => {
  stats.connectionsAccepted++;
  stats.connectionsOpen++;
  let reset = false;
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (!reset && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) stats.connectionsReset++;
    reset = true;
  });
  socket.on('close', () => stats.connectionsOpen--);
});

/** The control endpoint: read-only, GET / only. Its own connections are not counted above. */
function startControl(port: number): Promise<net.AddressInfo> {
  const control = http.createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    const report: ControlReport = {
      stats,
      settings,
      sockstat: parseSockstat(await readFile('/proc/net/sockstat', 'utf8')),
      kernel: await readKernelCounters(),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report));
  });
  return new Promise((resolve, reject) => {
    control.once('error', reject).listen(port, values['control-host'], () => resolve(control.address() as net.AddressInfo));
    control.unref();
  });
}

function cannotListen(host: string, what: string) {
  return (error: Error) => {
    console.error(`http-server: cannot listen on ${host} for ${what}: ${error.message}`);
    process.exit(3);
  };
}

const control =
  values['control-port'] === undefined
    ? null
    : await startControl(wholeNumber('control-port', values['control-port'])).catch(cannotListen(values['control-host'], 'the control endpoint'));

server.on('error', cannotListen(values.host, 'HTTP'));

server.listen(wholeNumber('port', values.port), values.host, async () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const listening: ServerMessage = {
    type: 'listening',
    host: address.address,
    port: address.port,
    pid: process.pid,
    controlHost: control?.address ?? null,
    controlPort: control?.port ?? null,
  };
  if (!process.channel) {
    console.log(JSON.stringify(listening));
    return;
  }
  await sendMessage(listening);
  for await (const message of getEachMessage()) {
    if ((message as { type?: string }).type === 'stats') await sendMessage({ type: 'stats', ...stats });
  }
  // The harness closed the channel: it is done with us.
  server.close();
  server.closeAllConnections();
});
