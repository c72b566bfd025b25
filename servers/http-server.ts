// Entry point of the server process the lab starts (harness/stage/server-process.ts). Its first IPC
// message is everything it runs with, one object checked against harness/shapes/server-settings.ts; it answers
// {type:'listening'} once it listens, pushes {type:'counts'} when its counts change (at most every
// COUNTS_EVERY_MS), answers {type:'stats'} requests with its counts and {type:'carried'} with the
// requests of some clients' connections, and stops when the lab disconnects. To run the server by itself: npm run server (harness/commands/server.ts).
import { serve } from './serve.ts';
import { COUNTS_EVERY_MS, labRequestSchema, type ServerMessage } from '../harness/shapes/server-protocol.ts';
import { serverOptionsSchema } from '../harness/shapes/server-settings.ts';
import { problemLines } from '../harness/shapes/zod.ts';

if (!process.channel) {
  console.error('http-server: the lab starts this process and hands it its settings; to run the server by itself: npm run server -- --help');
  process.exit(2);
}
// Ctrl-C in a terminal, or its closing, signals the whole process group: the lab, which started this
// process, reads its counts after a drain cut short and then ends it itself (by PID, or its channel).
for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
// The lab's IPC with Node's own process.send and 'message' (the lab's side is execa's, whose plain
// messages these are): importing execa here cost the server's start about 100 ms. Node keeps the
// messages that arrive while nothing listens and hands them to the first listener.
const sendMessage = (message: ServerMessage) => new Promise<void>((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));
const options = serverOptionsSchema.safeParse(await new Promise((resolve) => process.once('message', resolve)));
if (!options.success) {
  console.error(`http-server: bad settings: ${problemLines(options.error).join('; ')}`);
  process.exit(2);
}
// The counts go to the lab as they change instead of being asked for: the first change at once (the
// lab sees the first connection), then what changed meanwhile at most every COUNTS_EVERY_MS, so the
// last counts arrive at most that long after the last change.
let lastPush = -Infinity;
let pending: NodeJS.Timeout | null = null;
const push = () => {
  pending = null;
  lastPush = performance.now();
  void sendMessage({ type: 'counts', ...server.stats }).catch(() => {});
};
const changed = () => {
  pending ??= setTimeout(push, Math.max(0, lastPush + COUNTS_EVERY_MS - performance.now()));
};
const server = await serve(options.data, 'exit', changed);
await sendMessage({ type: 'listening', ...server.listening });
process.on('message', (message) => {
  const request = labRequestSchema.safeParse(message);
  if (!request.success) return; // nothing the lab sends
  const answer: ServerMessage =
    request.data.type === 'stats' ? { type: 'stats', ...server.stats } : { type: 'carried', byClient: server.carried(request.data.clients) };
  void sendMessage(answer).catch(() => {}); // a lab that is gone: told by 'disconnect'
});
// The lab closed the channel: it is done with us.
process.once('disconnect', () => {
  if (pending) clearTimeout(pending);
  server.close();
});
