// The HTTP server under test, run as its own process. It counts what it sees (connections accepted,
// requests served) so the harness has ground truth beside the socket table.
// Usage: node servers/http-server.ts [--host 127.0.0.1] [--port 0] [--body-bytes 1024]
//        [--response-delay-ms 0] [--keep-alive-timeout-ms 5000]
// With an IPC channel (started by the harness) it reports {type:'listening'} and answers
// {type:'stats'} requests; without one it prints the listening line as JSON on stdout.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { getEachMessage, sendMessage } from 'execa';

export interface ServerStats {
  connectionsAccepted: number;
  connectionsOpen: number;
  requestsServed: number;
}

export type ServerMessage =
  | { type: 'listening'; host: string; port: number; pid: number }
  | ({ type: 'stats' } & ServerStats);

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'body-bytes': { type: 'string', default: '1024' },
    'response-delay-ms': { type: 'string', default: '0' },
    'keep-alive-timeout-ms': { type: 'string', default: '5000' },
  },
});

function wholeNumber(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`http-server: --${name} must be a whole number >= 0, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const body = Buffer.alloc(wholeNumber('body-bytes', values['body-bytes']), 'x');
const delayMs = wholeNumber('response-delay-ms', values['response-delay-ms']);
const stats: ServerStats = { connectionsAccepted: 0, connectionsOpen: 0, requestsServed: 0 };

const server = http.createServer((req, res) => {
  const respond = () => {
    stats.requestsServed++;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  };
  req.resume();
  if (delayMs > 0) setTimeout(respond, delayMs);
  else respond();
});
server.keepAliveTimeout = wholeNumber('keep-alive-timeout-ms', values['keep-alive-timeout-ms']);
server.on('connection', (socket) => {
  stats.connectionsAccepted++;
  stats.connectionsOpen++;
  socket.on('close', () => stats.connectionsOpen--);
});

server.listen(wholeNumber('port', values.port), values.host, async () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const listening: ServerMessage = { type: 'listening', host: address.address, port: address.port, pid: process.pid };
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
