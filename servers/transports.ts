// The server the settings ask for, one of three that answer the same request handler: plain
// HTTP/1.1 (node:http), HTTP/1.1 over TLS (node:https), or HTTP/2 over TLS with HTTP/1.1 for clients
// that do not offer h2 in ALPN (node:http2 createSecureServer with allowHTTP1). What only TLS and
// HTTP/2 have is counted here: handshakes, full and resumed, and HTTP/2 connections and streams.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ServerStats } from '../harness/shapes/server-protocol.ts';
import type { ServerOptions } from '../harness/shapes/server-settings.ts';

export type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;
export type AnyServer = http.Server | https.Server | http2.Http2SecureServer;

/** The server for `settings`, with `handler` for every request; TLS ones count their handshakes (and streams) into `stats`. */
export function createTransport({ settings, credentials }: Pick<ServerOptions, 'settings' | 'credentials'>, handler: Handler, stats: ServerStats, changed: () => void): AnyServer {
  if (!settings.tls) return http.createServer(handler);
  if (!credentials) throw new Error('a TLS server needs its certificate and key');
  stats.tlsHandshakes = 0;
  stats.tlsResumed = 0;
  stats.tlsFailed = 0;
  const server = settings.http2
    ? http2.createSecureServer({ ...credentials, allowHTTP1: true }, handler)
    : https.createServer(credentials, handler as http.RequestListener);
  // After each handshake; isSessionReused(): the client resumed a session (a TLS 1.3 PSK from a ticket, or a 1.2 session id) without the certificate's signature.
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    stats.tlsHandshakes!++;
    if (socket.isSessionReused()) stats.tlsResumed!++;
    changed();
  });
  // A handshake that failed: most often the client did not trust the certificate (it closes with an alert).
  server.on('tlsClientError', () => {
    stats.tlsFailed!++;
    changed();
  });
  if (settings.http2) {
    stats.http2Connections = 0;
    stats.http2Streams = 0;
    const h2 = server as http2.Http2SecureServer;
    h2.on('session', () => {
      stats.http2Connections!++;
      changed();
    });
    h2.on('stream', () => {
      stats.http2Streams!++;
      changed();
    });
  }
  return server;
}

/** Node's idle timeouts, where the server has them (HTTP/1.1, alone or beside HTTP/2). */
export function setKeepAlive(server: AnyServer, { keepAliveTimeoutMs, keepAliveTimeoutBufferMs }: ServerOptions['settings']): void {
  const http1 = server as http.Server;
  http1.keepAliveTimeout = keepAliveTimeoutMs;
  if (keepAliveTimeoutBufferMs !== undefined) http1.keepAliveTimeoutBuffer = keepAliveTimeoutBufferMs;
}

/** Closes every connection a server accepted (http2's server has no closeAllConnections). */
export function trackConnections(server: AnyServer): () => void {
  const open = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return () => {
    for (const socket of open) socket.destroy();
  };
}
