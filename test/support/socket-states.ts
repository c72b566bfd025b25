// A process that puts sockets in known TCP states on 127.0.0.1 and holds them until its stdin
// closes: the test runs it alone in a network namespace of its own (test/observe/namespace-counts.test.ts).
// It prints {"port": N} once they are all in place. Per connection to its listener:
// - OPEN: both ends ESTABLISHED;
// - HALF_CLOSED: the client closed (an orphan in FIN-WAIT-2), the server holds its end (CLOSE-WAIT);
// - CLOSED: both closed, the client first (TIME-WAIT on the client's end).
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// Enough sockets that the socket table spans several pages (a read of it returns one page at most).
export const COUNTS = { open: 3, halfClosed: 5, closed: 40 };

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  // A peer that closes gets FIN back only for CLOSED connections; the others stay half open.
  socket.once('end', () => {
    if (closing.has(socket.remotePort!)) socket.end();
  });
});
const closing = new Set<number>();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as net.AddressInfo).port;
const connect = () => new Promise<net.Socket>((resolve) => { const s = net.connect(port, '127.0.0.1', () => resolve(s)); });

const open = await Promise.all(Array.from({ length: COUNTS.open }, connect));
const halfClosed = await Promise.all(Array.from({ length: COUNTS.halfClosed }, connect));
const closed = await Promise.all(Array.from({ length: COUNTS.closed }, connect));
for (const socket of closed) closing.add(socket.localPort!);
await sleep(100); // the server has seen every connection
for (const socket of [...halfClosed, ...closed]) socket.destroy(); // close(): FIN, nothing unread
await sleep(300); // the FINs and ACKs are through: every socket is in its state
console.log(JSON.stringify({ port }));
process.stdin.resume();
process.stdin.on('end', () => {
  void open; // held until now
  process.exit(0);
});
