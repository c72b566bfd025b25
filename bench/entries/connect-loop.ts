// A load of new connections for `npm run bench` (bench/observe-bench.ts): a TCP server on loopback and
// a client that opens RATE connections a second to it for SECONDS, on a fixed timeline (every 10 ms
// its share), each closed by the client first as soon as it is open (client-side TIME_WAIT), the
// server closing its end when it reads the client's FIN. Prints one JSON line when listening, starts
// on a line `go` on stdin, and prints one with the counts when done: `node connect-loop.ts RATE SECONDS`.
import net from 'node:net';
import { once } from 'node:events';
import readline from 'node:readline';

const [rate, seconds] = process.argv.slice(2).map(Number) as [number, number];
if (!(rate > 0 && rate <= 10_000 && seconds > 0 && seconds <= 120)) throw new Error('usage: connect-loop.ts RATE(1-10000) SECONDS(1-120)');

let accepted = 0;
const server = net.createServer((socket) => {
  accepted += 1;
  socket.on('end', () => socket.end());
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as net.AddressInfo;
console.log(JSON.stringify({ type: 'listening', port }));
for await (const line of readline.createInterface({ input: process.stdin })) if (line.trim() === 'go') break;

let opened = 0;
let failed = 0;
const TICK_MS = 10;
const start = performance.now();
const total = Math.round(rate * seconds);
while (opened + failed < total) {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
  while (opened + failed < due) {
    const socket = net.connect(port, '127.0.0.1', () => socket.end());
    opened += 1;
    socket.on('error', () => ((opened -= 1), (failed += 1)));
  }
  await new Promise((resolve) => setTimeout(resolve, TICK_MS));
}
// The last connections close; then the counts.
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(JSON.stringify({ type: 'done', opened, failed, accepted, seconds: (performance.now() - start) / 1000 }));
server.close();
