// What every node:http client variant needs, so each variant shows only what differs. An https://
// URL (a TLS server) goes through node:https, whose agent also keeps TLS sessions to resume; the
// client process trusts the lab's CA (NODE_EXTRA_CA_CERTS).
import http from 'node:http';
import https from 'node:https';
import type { Client } from '../harness/scenario/contract.ts';

/** GET `url`, hand the response to `handle`, resolve with the status once `handle` is done. */
export function get(
  url: string,
  options: http.RequestOptions,
  handle: (res: http.IncomingMessage) => void | Promise<void>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    (url.startsWith('https:') ? https : http)
      .get(url, options, (res) => {
        Promise.resolve(handle(res)).then(() => resolve(res.statusCode ?? 0), reject);
      })
      .on('error', reject);
  });
}

/** Read the whole body and throw it away; resolves when the response has ended. */
export function consume(res: http.IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    res.on('end', resolve).on('error', reject).resume();
  });
}

/** A client that sends every request through one agent made with `options`; `close` destroys it. */
export function agentClient(
  url: string,
  options: http.AgentOptions,
  handle: (res: http.IncomingMessage) => void | Promise<void> = consume,
): Client {
  const agent = url.startsWith('https:') ? new https.Agent(options) : new http.Agent(options);
  return {
    request: () => get(url, { agent }, handle),
    close: () => agent.destroy(),
  };
}
