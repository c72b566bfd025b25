// The server under test's options, on real sockets: how it ends a connection after a response, whether
// it sends the Keep-Alive hint, and its count of connections the client reset.
import http from 'node:http';
import net from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../harness/stage/server-process.ts';
import { SERVER_DEFAULTS, type ServerSettings } from '../../harness/shapes/server-settings.ts';

const base: ServerSettings = { ...SERVER_DEFAULTS, bodyBytes: 100, keepAliveTimeoutMs: 3000 };
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** One GET on a connection of its own; resolves with the headers, the body length, and how the connection ended. */
function getOnce(port: number, onSocketDone?: (socket: import('node:net').Socket) => void) {
  return new Promise<{ headers: http.IncomingHttpHeaders; bytes: number; error?: string }>((resolve) => {
    const agent = new http.Agent({ keepAlive: true });
    let bytes = 0;
    const req = http.get({ host: '127.0.0.1', port, agent }, (res) => {
      const socket = res.socket;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => {
        onSocketDone?.(socket);
        resolve({ headers: res.headers, bytes });
        agent.destroy();
      });
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ headers: res.headers, bytes, error: error.code }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ headers: {}, bytes, error: error.code }));
  });
}

describe('the server under test', () => {
  it('keeps connections alive and announces its timeout by default', async () => {
    server = await startServer(base);
    const { headers } = await getOnce(server.port);
    expect(headers.connection).toBe('keep-alive');
    expect(headers['keep-alive']).toBe('timeout=3');
  });

  it('keeps connections alive without the hint when keepAliveHint is false', async () => {
    server = await startServer({ ...base, keepAliveHint: false });
    const { headers } = await getOnce(server.port);
    expect(headers.connection).toBe('keep-alive');
    expect(headers['keep-alive']).toBeUndefined();
  });

  it('answers Connection: close and ends the connection when afterResponse is close', async () => {
    server = await startServer({ ...base, afterResponse: 'close' });
    const { headers, bytes } = await getOnce(server.port);
    expect(headers.connection).toBe('close');
    expect(bytes).toBe(100);
    await expect.poll(async () => (await server!.stats()).connectionsOpen).toBe(0);
  });

  it('resets right after a response larger than the client lets be in flight: the client loses its end', async () => {
    server = await startServer({ ...base, bodyBytes: 1024 * 1024, afterResponse: 'reset' });
    // A client that reads nothing until the server is done: its receive window (about 64 KiB, it never
    // grows without reads) bounds what can be in flight, so the rest is still queued in the server
    // when it resets, and lost, however fast this machine is.
    const socket = net.connect(server.port, '127.0.0.1');
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: lab\r\n\r\n');
    await setTimeout(300);
    let bytes = 0;
    const error = await new Promise<string | undefined>((resolve) => {
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code));
      socket.on('close', () => resolve(undefined));
      socket.resume();
    });
    expect(error).toBe('ECONNRESET');
    expect(bytes).toBeLessThan(1024 * 1024);
  });

  it('pushes its counts when they change: the last push is what it served, exactly, as it tells when asked', async () => {
    server = await startServer(base);
    expect(server.lastCounts).toBeNull(); // nothing happened yet, nothing pushed
    const pushes: number[] = [];
    server.onCounts((counts) => pushes.push(counts.requestsServed));
    const requests = 30;
    for (let i = 0; i < requests; i++) await getOnce(server.port); // a connection each, closed by the client
    const served = { connectionsAccepted: requests, requestsServed: requests, connectionsOpen: 0, connectionsReset: 0, requestsPerConnection: { '1': requests } };
    // The counts, beside the server's CPU time (cpuUs), which is whatever it was.
    await expect.poll(() => server!.lastCounts).toMatchObject(served);
    expect(await server.stats()).toMatchObject(served);
    // Pushed as they changed, in order, the first change among them.
    expect(pushes[0]).toBeLessThanOrEqual(1);
    expect(pushes).toEqual([...pushes].sort((a, b) => a - b));
  });

  it('is handed its settings as one object, and refuses one its declaration refuses: one line, the lab says so', async () => {
    await expect(startServer({ ...base, bodyBytes: -1 })).rejects.toThrow(
      /^the server failed to start: http-server: bad settings: settings\.bodyBytes: Too small: expected number to be >=0$/,
    );
  });

  it('counts a connection the client reset, and not one it closed', async () => {
    server = await startServer(base);
    await getOnce(server.port, (socket) => socket.destroy());
    await getOnce(server.port, (socket) => socket.resetAndDestroy());
    await expect.poll(async () => (await server!.stats()).connectionsOpen).toBe(0);
    expect(await server.stats()).toMatchObject({ connectionsAccepted: 2, connectionsReset: 1 });
  });

  it('says the requests each connection carried by the client\'s address and port, a port used again as a connection of its own', async () => {
    // The server closes idle connections first, unannounced (it keeps the TIME_WAIT), so the client may bind its port again.
    server = await startServer({ ...base, keepAliveTimeoutMs: 100, keepAliveTimeoutBufferMs: 0, keepAliveHint: false });
    /** Requests on one kept-alive connection from `localPort`, until the server closed it. */
    const onPort = async (localPort: number, requests: number) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < requests; i++) {
        await new Promise<void>((resolve, reject) =>
          http.get({ host: '127.0.0.1', port: server!.port, agent, localPort, localAddress: '127.0.0.1' }, (res) => res.resume().on('end', resolve)).on('error', reject),
        );
      }
      await expect.poll(async () => (await server!.stats()).connectionsOpen).toBe(0);
      agent.destroy();
    };
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const port = (probe.address() as net.AddressInfo).port; // free to bind on this host
    await new Promise((resolve) => probe.close(resolve));
    await onPort(port, 3);
    await onPort(port, 2);
    const client = `127.0.0.1:${port}`;
    expect(await server.carried([client, '127.0.0.1:1'])).toEqual({ [client]: [3, 2] });
    expect((await server.stats()).requestsPerConnection).toEqual({ '2': 1, '3': 1 });
  });
});
