// The HTTP server under test: it answers every request with a body of the size its settings say,
// ends connections as they say, and counts what it sees (connections accepted, open and reset,
// requests served) so that the lab has ground truth beside the socket table. Run in a process of its
// own: servers/http-server.ts (the one the lab starts) or `npm run server` (harness/commands/server.ts).
// The control endpoint (off unless a control port is given) serves GET /: the server's counts,
// settings and its own network namespace's TCP figures, so that a lab on another host (`--target`)
// records both sides. It binds the control host, 127.0.0.1 unless told otherwise, whatever the
// server's host is: a server on 0.0.0.0 does not expose its control endpoint to other hosts unless
// asked to (docker-compose.yml does, on its private network).
import http from 'node:http';
import type net from 'node:net';
import { createTransport, setKeepAlive, trackConnections, type Handler } from './transports.ts';
import { readFile } from 'node:fs/promises';
import { parseSockstat, readKernelCounters } from '../harness/shapes/proc-net.ts';
import { OWN_FILES, openFilesLimit } from '../harness/shapes/open-files-limit.ts';
import type { ControlReport, Listening, ServerStats } from '../harness/shapes/server-protocol.ts';
import type { ServerOptions } from '../harness/shapes/server-settings.ts';

export interface HttpServer {
  listening: Listening;
  /** The counts so far, kept up to date. */
  stats: ServerStats;
  /** Stops listening and closes every connection. */
  close(): void;
}

function cannotListen(host: string, what: string) {
  return (error: Error): never => {
    console.error(`http-server: cannot listen on ${host} for ${what}: ${error.message}`);
    process.exit(3);
  };
}

/**
 * What the server does when its connections reach its open files limit: `exit` (3), loudly, as a
 * variant's server does, whose run would otherwise measure the limit; `shed` (the standalone server,
 * which others depend on): it closes each connection over the limit at once and goes on serving.
 */
export type AtLimit = 'exit' | 'shed';

/** How often a server that sheds connections says so, at most: a peer that keeps opening them must not flood its log. */
const SHED_NOTE_EVERY_MS = 10_000;

/**
 * Starts the server and, when asked, its control endpoint; resolves once both listen. `changed` is
 * called after each change of the counts (the lab's server pushes them: servers/http-server.ts).
 */
export async function serve(
  { host, port, controlHost, controlPort, settings, credentials }: ServerOptions,
  atLimit: AtLimit = 'exit',
  changed: () => void = () => {},
): Promise<HttpServer> {
  const body = Buffer.alloc(settings.bodyBytes, 'x');
  const stats: ServerStats = { connectionsAccepted: 0, connectionsOpen: 0, requestsServed: 0, connectionsReset: 0 };
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'content-length': body.length };
  // Node adds `Keep-Alive: timeout=N` only when the response does not set Connection itself.
  // HTTP/2 forbids connection-specific headers (RFC 9113 8.2.2): its responses carry none.
  const h2Headers = { ...headers };
  if (settings.afterResponse !== 'keep-alive') headers.connection = 'close';
  else if (!settings.keepAliveHint) headers.connection = 'keep-alive';

  const handler: Handler = (req, res) => {
    const respond = () => {
      stats.requestsServed++;
      changed();
      (res as http.ServerResponse).writeHead(200, req.httpVersionMajor === 2 ? h2Headers : headers);
      res.end(body);
      // SO_LINGER 0: the kernel drops what it has not sent yet and sends RST instead of FIN.
      if (settings.afterResponse === 'reset') res.socket?.resetAndDestroy();
    };
    req.resume();
    if (settings.responseDelayMs > 0) setTimeout(respond, settings.responseDelayMs);
    else respond();
  };
  const server = createTransport({ settings, credentials }, handler, stats, changed);
  setKeepAlive(server, settings);
  const closeAllConnections = trackConnections(server);
  // Each connection holds an open file. At the limit accept() fails with EMFILE and libuv accepts and
  // closes the connections it cannot keep (uv__emfile_trick in src/unix/stream.c), with no error
  // anywhere: the client would seem to fail on its own (ECONNRESET, EOF). Act just before: past
  // maxConnections Node closes each new connection and emits 'drop' (net.Server). A variant's server
  // stops loudly (the scenario CLI refuses a concurrency that does not fit with room to spare,
  // harness/run/open-files.ts); the standalone server sheds what is over and says so.
  const limit = openFilesLimit();
  server.maxConnections = limit - OWN_FILES;
  const full = `${server.maxConnections} connections open, the most its limit of ${limit} allows, ulimit -Hn`;
  let shed = 0;
  let noted = -Infinity;
  server.on('drop', () => {
    if (atLimit === 'exit') {
      console.error(`http-server: ran out of open files (${full}): raise it or open fewer connections at once`);
      process.exit(3);
    }
    shed++;
    if (performance.now() - noted < SHED_NOTE_EVERY_MS) return;
    noted = performance.now();
    console.error(`http-server: ${full}: closing new connections until some end (${shed} closed so far)`);
  });
  server.on('connection', (socket: net.Socket) => {
    stats.connectionsAccepted++;
    stats.connectionsOpen++;
    changed();
    let reset = false;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!reset && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        stats.connectionsReset++;
        changed();
      }
      reset = true;
    });
    socket.on('close', () => {
      stats.connectionsOpen--;
      changed();
    });
  });

  /** The control endpoint: read-only, GET / only. Its own connections are not counted above. */
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
  const controlAddress =
    controlPort === null
      ? null
      : await new Promise<net.AddressInfo>((resolve, reject) => {
          control.once('error', reject).listen(controlPort, controlHost, () => resolve(control.address() as net.AddressInfo));
          control.unref();
        }).catch(cannotListen(controlHost, 'the control endpoint'));

  server.on('error', cannotListen(host, 'HTTP'));
  const address = await new Promise<net.AddressInfo>((resolve) => server.listen(port, host, () => resolve(server.address() as net.AddressInfo)));
  // The CPU the server spends from now on is what the load costs it (its start is not).
  const cpuFrom = process.cpuUsage();
  Object.defineProperty(stats, 'cpuUs', {
    enumerable: true,
    get: () => {
      const { user, system } = process.cpuUsage(cpuFrom);
      return user + system;
    },
  });
  return {
    listening: {
      host: address.address,
      port: address.port,
      pid: process.pid,
      controlHost: controlAddress?.address ?? null,
      controlPort: controlAddress?.port ?? null,
    },
    stats,
    close() {
      server.close();
      closeAllConnections();
    },
  };
}
