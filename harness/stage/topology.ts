// Where a variant's server and client run, and how each side is observed:
// - loopback: both in this host's network namespace on 127.0.0.1; one probe sees both ends.
// - namespaces: per variant a fresh pair of namespaces (netns.ts), server at 198.18.0.1, client at
//   198.18.0.2 with its own sysctls: two "hosts", each probed on its own, so its counts are exact.
// - target: a server the lab did not start (`--target`); the client runs and is probed here, the
//   server through its control endpoint when it has one.
// The runner asks the topology for a stage per variant and does not care which one it is.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import { LabError, MeasurementError, UsageError } from '../shared/errors.ts';
import {
  CLIENT_ADDRESS,
  NETWORK_NAMESPACES,
  SERVER_ADDRESS,
  addPair,
  deletePair,
  linkPair,
  namespaceUnavailability,
  readCountersIn,
  removeLeftoverNamespaces,
  type NamespacePair,
} from './netns.ts';
import { procProbe, socketKey, type Probe } from '../observe/probes.ts';
import { controlProbe, readControl } from './control-endpoint.ts';
import { launchServer, startServer } from './server-process.ts';
import { startAgent, type NamespaceAgent } from './netns-agent.ts';
import { makeCertificates, type StageCertificates } from './certificates.ts';
import { startSsHelper, type SsHelper } from './ss-helper.ts';
import { variantSysctls, type SysctlSettings } from '../scenario/client-sysctls.ts';
import { needsNamespaces, type RunnableScenario, type Variant } from '../scenario/contract.ts';
import type { TopologyRecord, VariantResult } from '../result/schema.ts';
import type { ServerStats } from '../shapes/server-protocol.ts';
import type { ServerSettings } from '../shapes/server-settings.ts';

export type NetnsMode = TopologyRecord['netns'];

export interface NetworkOptions {
  /** Whether to run in namespaces of the lab's own: always, never, or when this process may. */
  netns: NetnsMode;
  /** `--sysctl` settings for the client namespace; they override the scenario's, per name. */
  sysctls: SysctlSettings;
  /** `--target`: a server the lab did not start. */
  target: URL | null;
  /** `--control-port`: the target's control endpoint, on the target's host. */
  controlPort: number | null;
  /** `--listen`: the address of this host the lab's server binds instead of 127.0.0.1 (loopback mode only). */
  listen?: string | null;
}

export interface Stage {
  server: {
    host: string;
    port: number;
    /** The server's own counts over this variant; null when nobody can tell (a target without control). */
    stats(): Promise<ServerStats | null>;
    /** The requests each connection of these clients (`address:port`) carried, as the lab's server counted them; absent for a target. */
    carried?(clients: readonly string[]): Promise<Record<string, number[]>>;
    /** The last counts the lab's server pushed, what is left of a server that died; absent for a target. */
    readonly lastCounts?: ServerStats | null;
    /** Calls `listener` with each push of the lab's server's counts; absent for a target. */
    onCounts?(listener: (counts: ServerStats) => void): void;
    /** Settles, with how, when the server process ends; absent for a server the lab did not start. */
    exited?: Promise<string>;
  };
  /**
   * Settles, with what happened, when a process the stage reads a side's figures through ends (a
   * namespace agent): from then on that side's socket table cannot be sampled. Absent where none is needed.
   */
  lost?: Promise<string>;
  url: string;
  /** A TLS server's throw-away CA, as a file the client is told to trust (stage/certificates.ts); null for plain HTTP or a target. */
  caFile: string | null;
  /** The namespace the client process runs in; null for this host's. */
  clientNetns: string | null;
  probes: Probe[];
  /** The process that runs `ss` for the probes (stage/ss-helper.ts): part of the observer, not of the load. */
  ssHelperPid: number;
  /** The sysctls set in the client's namespace and the values in effect there; null when the lab set none. */
  clientSysctls: NonNullable<VariantResult['clientSysctls']> | null;
  close(): Promise<void>;
}

export interface Topology {
  record: TopologyRecord;
  /** Lines worth telling the user (what was cleaned up, which mode runs and why). */
  notes: string[];
  stage(variant: Variant, server: ServerSettings): Promise<Stage>;
}

const LOOPBACK = '127.0.0.1';

function baseRecord(options: NetworkOptions): Omit<TopologyRecord, 'mode' | 'serverAddress'> {
  return {
    netns: options.netns,
    fallback: null,
    clientAddress: null,
    sysctlOverrides: options.sysctls,
    target: null,
    control: null,
    targetServer: null,
  };
}

/** Decides the topology from the options and what this process may do; refuses what cannot work. */
export async function openTopology(scenario: RunnableScenario, options: NetworkOptions): Promise<Topology> {
  const sysctlsAsked = Object.keys(options.sysctls).length > 0;
  const namespacesOnly = needsNamespaces(scenario)
    ? `scenario ${scenario.name} sets sysctls in a client namespace of its own (the lab never changes this host's)`
    : sysctlsAsked
      ? '--sysctl sets sysctls in the client namespace the lab creates (it never changes this host\'s)'
      : null;

  if (options.target) {
    if (options.netns === 'on') throw new UsageError('--target drives a server the lab did not start, so it cannot run it in a namespace: drop --netns on');
    if (options.listen) throw new UsageError('--listen sets the address of the server the lab starts; with --target it starts none: drop --listen');
    if (namespacesOnly) {
      throw new UsageError(`${namespacesOnly}, and with --target the client runs in this host's namespace: set the sysctls on the client host (docker-compose.yml does it for the client container)`);
    }
    // Without its control endpoint only the client host's kernel counts; resets are the server's to see.
    if (options.controlPort === null && scenario.claims.some((claim) => claim.metric === 'connectionsReset')) {
      throw new UsageError(
        `scenario ${scenario.name} claims what the server saw (connections it saw reset), which a --target server tells only through its control endpoint: add --control-port (npm run server -- --control-port N)`,
      );
    }
    return targetTopology(options, options.target);
  }
  if (options.controlPort !== null) throw new UsageError('--control-port names the control endpoint of a --target server; use it with --target');
  if (options.listen) {
    // The namespaces have the lab's own addresses (netns.ts): an address of this host means this host's namespace.
    const onLoopback = `--listen runs the server on this host's loopback, not in network namespaces`;
    if (options.netns === 'on') throw new UsageError(`${onLoopback}: drop --netns on or --listen`);
    if (namespacesOnly) throw new UsageError(`${namespacesOnly}, so it cannot run with --listen, which runs the server on this host's loopback`);
    if (!isLocalAddress(options.listen)) {
      throw new UsageError(`--listen ${options.listen} is not an address of this host; it accepts 127.0.0.0/8, ::1, 0.0.0.0, :: or an address of one of its interfaces`);
    }
    return loopbackTopology(options, options.netns === 'auto' ? `--listen ${options.listen}` : null, options.listen);
  }
  if (options.netns === 'off') {
    if (namespacesOnly) throw new UsageError(`${namespacesOnly}, so it cannot run with --netns off`);
    return loopbackTopology(options, null);
  }
  const unavailable = await namespaceUnavailability();
  if (unavailable) {
    const why = `this process cannot create network namespaces (${unavailable}); ${NETWORK_NAMESPACES.howToGet}`;
    if (options.netns === 'on') throw new UsageError(`--netns on: ${why}`);
    if (namespacesOnly) throw new UsageError(`${namespacesOnly}, but ${why}`);
    return loopbackTopology(options, `network namespaces not available (${unavailable})`);
  }
  return namespacesTopology(scenario, options, await removeLeftoverNamespaces());
}

/** Whether a server of this host can bind `address`: loopback, a wildcard, or an interface's address. */
function isLocalAddress(address: string): boolean {
  // Linux routes all of 127.0.0.0/8 to lo (RFC 1122 3.2.1.3: the whole block is loopback).
  if (net.isIPv4(address) && address.startsWith('127.')) return true;
  if (address === '0.0.0.0' || address === '::') return true;
  return Object.values(os.networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === address));
}

/** Where a client reaches a server bound to `address`: a wildcard address is reached on loopback. */
function connectableAddress(address: string): string {
  if (address === '0.0.0.0') return LOOPBACK;
  if (address === '::') return '::1';
  return address;
}

const urlOf = (address: string, port: number, tls: boolean) => `${tls ? 'https' : 'http'}://${net.isIPv6(address) ? `[${address}]` : address}:${port}/`;

/** A TLS stage's certificates, made for `address` too; null for plain HTTP. */
const certificatesFor = (settings: ServerSettings, address: string): Promise<StageCertificates | null> =>
  settings.tls ? makeCertificates([address]) : Promise.resolve(null);

function loopbackTopology(options: NetworkOptions, fallback: string | null, address = LOOPBACK): Topology {
  const wildcard = connectableAddress(address) !== address;
  return {
    record: { ...baseRecord(options), mode: 'loopback', serverAddress: address, fallback },
    notes: [
      fallback ? `${fallback}: running on loopback (${address}), both ends in this host's namespace` : `running on loopback (${address})`,
      ...(wildcard ? [`the server listens on every address of this host (${address}), reachable from other hosts while the run lasts; the client connects to ${connectableAddress(address)}`] : []),
    ],
    async stage(_variant, settings) {
      const certificates = await certificatesFor(settings, connectableAddress(address));
      const [server, helper] = await Promise.allSettled([startServer(settings, address, undefined, certificates), startSsHelper()]).then(async ([s, h]) => {
        if (s.status === 'fulfilled' && h.status === 'fulfilled') return [s.value, h.value] as const;
        await Promise.all([s, h].map((part) => (part.status === 'fulfilled' ? part.value.stop() : undefined)));
        await certificates?.remove();
        throw (s.status === 'rejected' ? s.reason : (h as PromiseRejectedResult).reason) as Error;
      });
      return {
        server,
        url: urlOf(connectableAddress(address), server.port, settings.tls),
        caFile: certificates?.caFile ?? null,
        clientNetns: null,
        probes: [procProbe('both', { procNet: '/proc/net', netns: null, ss: helper.run })],
        ssHelperPid: helper.pid,
        clientSysctls: null,
        close: async () => {
          await server.stop();
          await helper.stop();
          await certificates?.remove();
        },
      };
    },
  };
}

/** A namespace's probe whose counters are still read once its agent is gone (killed), by entering the namespace (a fork, on that path only). */
function readableWithoutAgent(probe: Probe, netns: string): Probe {
  return { ...probe, counters: () => probe.counters().catch(() => readCountersIn(netns)) };
}

function namespacesTopology(scenario: RunnableScenario, options: NetworkOptions, removed: string[]): Topology {
  return {
    record: { ...baseRecord(options), mode: 'namespaces', serverAddress: SERVER_ADDRESS, clientAddress: CLIENT_ADDRESS },
    notes: [
      ...(removed.length > 0 ? [`removed ${removed.length} network namespaces left by killed runs: ${removed.join(', ')}`] : []),
      `running in network namespaces: per variant a fresh server (${SERVER_ADDRESS}) and client (${CLIENT_ADDRESS}) namespace joined by veth`,
    ],
    async stage(variant, settings) {
      const sysctls = variantSysctls(scenario, variant, options.sysctls);
      // What depends on nothing else starts at once: the namespaces, the ss helper, a TLS server's
      // certificates. Then, at once, the server process in its namespace (Node's start is the
      // longest part), the veth between the namespaces and both agents (shells); the server is
      // handed its settings and listens once its address is there. Whatever started is stopped if
      // another part fails.
      const started: { stop(): Promise<void> }[] = [];
      let pair: NamespacePair | null = null;
      const close = async () => {
        await Promise.all(started.splice(0).map((process) => process.stop()));
        if (pair) await deletePair(pair);
      };
      const all = async <T extends unknown[]>(parts: { [K in keyof T]: Promise<T[K]> }): Promise<T> => {
        const settled = await Promise.allSettled(parts);
        for (const part of settled) if (part.status === 'fulfilled' && part.value && typeof part.value === 'object' && 'stop' in part.value) started.push(part.value as { stop(): Promise<void> });
        const failed = settled.find((part) => part.status === 'rejected');
        if (failed) throw failed.reason;
        return settled.map((part) => (part as PromiseFulfilledResult<unknown>).value) as T;
      };
      try {
        const [namespaces, helper, { certificates }] = await all<[NamespacePair, SsHelper, { certificates: StageCertificates | null; stop(): Promise<void> }]>([
          addPair().then((added) => (pair = added)),
          startSsHelper(),
          certificatesFor(settings, SERVER_ADDRESS).then((certificates) => ({ certificates, stop: async () => certificates?.remove() })),
        ]);
        const launched = launchServer(namespaces.server);
        started.push(launched);
        // The server side is read through an agent too, not the server: its figures stay readable
        // when the server dies in the middle of a variant.
        const [, agent, serverAgent] = await all<[void, NamespaceAgent, NamespaceAgent]>([linkPair(namespaces), startAgent(namespaces.client, sysctls), startAgent(namespaces.server, {})]);
        const server = await launched.listen(settings, SERVER_ADDRESS, certificates);
        const agentEnded = (side: string, ns: string) => (how: string) =>
          `the namespace agent of the ${side} side (${ns}) ${how}: that side's socket table could not be sampled any more`;
        // Each namespace holds one side's ends only: its own counts are that side's.
        const side = (netns: string, pid: number) => ({ procNet: `/proc/${pid}/net`, netns, ownNamespace: true, ss: helper.run });
        return {
          server,
          url: urlOf(SERVER_ADDRESS, server.port, settings.tls),
          caFile: certificates?.caFile ?? null,
          clientNetns: namespaces.client,
          probes: [
            readableWithoutAgent(procProbe('client', side(namespaces.client, agent.pid)), namespaces.client),
            readableWithoutAgent(procProbe('server', side(namespaces.server, serverAgent.pid)), namespaces.server),
          ],
          lost: Promise.race([agent.exited.then(agentEnded('client', namespaces.client)), serverAgent.exited.then(agentEnded('server', namespaces.server))]),
          ssHelperPid: helper.pid,
          clientSysctls: { set: sysctls, effective: agent.sysctl },
          close,
        };
      } catch (error) {
        await close();
        throw error;
      }
    },
  };
}

/**
 * A long-lived server's counts over one variant: the difference of two reports. Counts that went
 * down (a server that restarted, or one that is not the lab's) measure nothing.
 */
function countsOver(after: ServerStats, before: ServerStats, control: string): ServerStats {
  const cumulative = ['connectionsAccepted', 'requestsServed', 'connectionsReset'] as const;
  const down = cumulative.filter((k) => after[k] < before[k]);
  if (down.length > 0) {
    throw new MeasurementError(
      `the control endpoint ${control} reported counts below those of the variant's start (${down.map((k) => `${k} ${before[k]}, then ${after[k]}`).join('; ')}): the server restarted, or is not the lab's`,
    );
  }
  // Counts only some servers keep (CPU, TLS, HTTP/2): over the variant where both reports have them.
  const kept = (['cpuUs', 'tlsHandshakes', 'tlsResumed', 'tlsFailed', 'http2Connections', 'http2Streams'] as const).flatMap((k) =>
    after[k] !== undefined && before[k] !== undefined ? [[k, Math.max(0, after[k] - before[k])]] : [],
  );
  return { ...Object.fromEntries([...cumulative.map((k) => [k, after[k] - before[k]]), ...kept]), connectionsOpen: after.connectionsOpen } as ServerStats;
}

/** How long the check before a --target run waits for the server to accept a connection. */
const REACH_TIMEOUT_MS = 3000;

/** Why one TCP connection to the target fails (`connect ECONNREFUSED 127.0.0.1:1`), or null when it opens. */
function connectProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: REACH_TIMEOUT_MS });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(`no answer to connect within ${REACH_TIMEOUT_MS / 1000} s`));
    socket.once('error', (error) => done(error.message));
  });
}

async function targetTopology(options: NetworkOptions, target: URL): Promise<Topology> {
  const port = Number(target.port || 80);
  // A URL keeps an IPv6 address in brackets (http://[::1]:8080/); a lookup and a connect take it without.
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  // `ss` filters on an address: resolve the host's name once.
  const address = await lookup(host).then(
    (found) => found.address,
    (error: Error) => {
      throw new UsageError(`--target: cannot resolve ${host}: ${error.message}`);
    },
  );
  const refused = await connectProblem(address, port);
  if (refused) throw new UsageError(`--target ${target.href} cannot be reached (${refused}); start the server or check the URL`);
  const control = options.controlPort === null ? null : `http://${target.hostname}:${options.controlPort}/`;
  const targetServer = control
    ? await readControl(control).then(
        (report) => report.settings,
        (error: Error) => {
          throw new LabError(`--control-port: ${error.message}`);
        },
      )
    : null;
  return {
    record: {
      ...baseRecord(options),
      mode: 'target',
      serverAddress: address,
      target: target.href,
      control,
      targetServer,
    },
    notes: [
      `driving ${target.href}, a server the lab did not start; the client side is sampled on this host` +
        (control ? `, the server's counts come from ${control}` : '; no control endpoint, so connections are counted by this host\'s kernel (ActiveOpens)'),
    ],
    async stage() {
      const helper = await startSsHelper();
      // The server outlives variants: sockets of earlier ones are still there, and are not counted.
      const client = { procNet: '/proc/net', netns: null, serverAddress: address, ss: helper.run };
      const prepare = async () => {
        const existing = await procProbe('client', client).sockets!(port, 'filtered');
        const probes = [procProbe('client', { ...client, ignore: new Set(existing.map(socketKey)) })];
        if (control) probes.push(controlProbe(control));
        return { probes, before: control ? (await readControl(control)).stats : null };
      };
      const { probes, before } = await prepare().catch(async (error: unknown) => {
        await helper.stop();
        throw error;
      });
      return {
        server: {
          host: target.hostname,
          port,
          stats: async () => (control && before ? countsOver((await readControl(control)).stats, before, control) : null),
        },
        url: target.href,
        caFile: null,
        clientNetns: null,
        probes,
        ssHelperPid: helper.pid,
        clientSysctls: null,
        close: () => helper.stop(),
      };
    },
  };
}
