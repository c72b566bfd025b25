// Entry point of the server process the lab starts (harness/run/server-process.ts). Its first IPC
// message is everything it runs with, one object checked against servers/settings.ts; it answers
// {type:'listening'} once it listens, then {type:'stats'} requests with its counts, and stops when the
// lab disconnects. To run the server by itself: npm run server (harness/commands/server.ts).
import { getEachMessage, getOneMessage, sendMessage } from 'execa';
import { serve } from './serve.ts';
import type { ServerMessage } from './protocol.ts';
import { serverOptionsSchema } from './settings.ts';

if (!process.channel) {
  console.error('http-server: the lab starts this process and hands it its settings; to run the server by itself: npm run server -- --help');
  process.exit(2);
}
const options = serverOptionsSchema.safeParse(await getOneMessage());
if (!options.success) {
  console.error(`http-server: bad settings: ${options.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const server = await serve(options.data);
await sendMessage({ type: 'listening', ...server.listening } satisfies ServerMessage);
for await (const message of getEachMessage()) {
  if ((message as { type?: string }).type === 'stats') await sendMessage({ type: 'stats', ...server.stats } satisfies ServerMessage);
}
// The lab closed the channel: it is done with us.
server.close();
