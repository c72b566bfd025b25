import type http from 'node:http';
import net from 'node:net';
import { defineScenario, type Client } from '../harness/scenario/contract.ts';
import { times } from '../harness/shapes/bounds.ts';
import { agentClient } from './_http.ts';

/** The name the clients use for the server; `.test` is reserved for testing (RFC 2606), no DNS knows it. */
const LAB_HOST = 'lab.test';

/**
 * Stands in for the resolver: answers LAB_HOST with the server's loopback address and counts every call.
 * Node calls the `lookup` of a connection once per new connection (net.connect), never per request.
 */
function countingLookup(address: string) {
  const family = net.isIPv6(address) ? 6 : 4;
  let lookups = 0;
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    lookups++;
    process.nextTick(() => {
      if (hostname !== LAB_HOST) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
      } else if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    });
  };
  return { lookup, count: () => lookups };
}

/** Every request to http://lab.test:PORT/ through one agent made with `options` and the counting lookup. */
function namedClient(url: string, options: http.AgentOptions): Client {
  const target = new URL(url);
  // An IPv6 host name keeps its brackets in a URL ([::1]).
  const resolver = countingLookup(target.hostname.replace(/^\[(.*)\]$/, '$1'));
  target.hostname = LAB_HOST;
  const client = agentClient(target.href, { ...options, lookup: resolver.lookup });
  return { ...client, counters: () => ({ dnsLookups: resolver.count() }) };
}

export default defineScenario({
  name: 'dns-per-connection',
  summary: 'every new connection asks DNS for the name: without keep-alive that is one lookup per request',
  explanation: {
    problem:
      `The client calls the server by its name (here ${LAB_HOST}; in Kubernetes a Service name) and opens a new ` +
      'connection for every request (an agent without keepAlive, like agent: false).',
    why:
      'A name is resolved when a connection is opened (net.connect calls dns.lookup, or the lookup you give it), ' +
      'not per request; so connections per request are lookups per request. Node does not cache lookups: each one ' +
      'is a getaddrinfo() call on the libuv thread pool (4 threads by default) and, in a cluster, DNS queries to ' +
      'CoreDNS (with ndots:5 a short Service name can take several queries, one per search domain, for A and ' +
      'AAAA). The lab counts calls to an instrumented lookup function that answers the name itself, so no DNS ' +
      'server is involved.',
    fix:
      'Reuse connections (one keep-alive agent): lookups fall to one per connection, at most the concurrency. ' +
      'A lookup cache (e.g. cacheable-lookup) cuts the DNS traffic but not the connections.',
  },
  load: { requests: 2000, concurrency: 20 },
  variants: [
    {
      name: 'bad',
      role: 'misconfigured',
      summary: `new http.Agent() (keepAlive false) to http://${LAB_HOST}: a new connection, and a lookup, per request`,
      makeClient: ({ url }) => namedClient(url, {}),
    },
    {
      name: 'good',
      role: 'fix',
      summary: `one keep-alive agent to http://${LAB_HOST}`,
      makeClient: ({ url }) => namedClient(url, { keepAlive: true }),
    },
  ],
  claims: [
    { variant: 'bad', metric: 'clientCounters.dnsLookups', atLeast: times(0.9, 'requests') },
    { variant: 'bad', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'good', metric: 'clientCounters.dnsLookups', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'requests.failed', atMost: 0 },
  ],
});
