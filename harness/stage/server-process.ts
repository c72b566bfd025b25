// Starts the server under test as its own process, hands it its settings, and waits until it really
// listens.
import { errorLine } from '../shared/bug-report.ts';
import { LabError, MeasurementError } from '../shared/errors.ts';
import { startNode, startNodeIn } from '../process/start.ts';
import { howItEnded, lastStderrLine } from '../process/tracked.ts';
import { carriedSchema, type LabRequest, type ServerMessage, type ServerStats } from '../shapes/server-protocol.ts';
import type { ServerOptions, ServerOptionsInput, ServerSettings } from '../shapes/server-settings.ts';

const SERVER_ENTRY = new URL('../../servers/http-server.ts', import.meta.url);
/** From the settings handed to the server (listen) to its answer that it listens; a launched server may have loaded meanwhile. */
const READY_TIMEOUT_MS = 10_000;
/** A server that does not answer a stats request this fast is stuck (stopped, or its loop blocked). */
const STATS_TIMEOUT_MS = 2_000;

export interface RunningServer {
  host: string;
  port: number;
  pid: number;
  /** Asks the server for its counts now. */
  stats(): Promise<ServerStats>;
  /** Asks the server for the requests each connection of these clients (`address:port`) carried, in the order it accepted them. */
  carried(clients: readonly string[]): Promise<Record<string, number[]>>;
  /** The last counts the server pushed (it does when they change, servers/http-server.ts); null before the first. */
  readonly lastCounts: ServerStats | null;
  /** Calls `listener` with each push of the counts. */
  onCounts(listener: (counts: ServerStats) => void): void;
  /** Settles when the process ends, however it ends, with how it ended ("was killed by SIGKILL"). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LabError(`${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A server process started and loading, not yet listening: it waits for its settings. */
export interface LaunchedServer {
  /** Hands it its settings: it listens on `host`, a TLS server with `credentials`. Resolves once it listens. */
  listen(settings: ServerSettings, host: string, credentials?: ServerOptions['credentials']): Promise<RunningServer>;
  stop(): Promise<void>;
}

/**
 * Starts the server process, inside the network namespace `netns` when one is given, before its
 * address is known: Node's start (hundreds of ms) runs while the stage sets up the rest.
 */
export function launchServer(netns?: string): LaunchedServer {
  const child = netns ? startNodeIn(netns, SERVER_ENTRY, []) : startNode(SERVER_ENTRY, []);
  const stop = async () => {
    child.kill();
    await child.catch(() => {});
  };
  return { listen: (settings, host, credentials = null) => listening(child, settings, host, credentials, stop), stop };
}

/** Starts the server on `host`, inside the network namespace `netns` when one is given; a TLS server with `credentials`. */
export function startServer(
  settings: ServerSettings,
  host = '127.0.0.1',
  netns?: string,
  credentials: ServerOptions['credentials'] = null,
): Promise<RunningServer> {
  return launchServer(netns).listen(settings, host, credentials);
}

async function listening(
  child: ReturnType<typeof startNode>,
  settings: ServerSettings,
  host: string,
  credentials: ServerOptions['credentials'],
  stop: () => Promise<void>,
): Promise<RunningServer> {
  const options: ServerOptionsInput = { host, port: 0, settings, credentials: credentials && { cert: credentials.cert, key: credentials.key } };
  const ready = child.getOneMessage({ filter: (m) => (m as ServerMessage).type === 'listening' });
  const [listening] = (await within(READY_TIMEOUT_MS, 'the server did not listen', Promise.all([ready, child.sendMessage(options)])).catch(
    async (error: unknown) => {
      child.kill();
      const exited = await child.catch((e: unknown) => e);
      throw error instanceof LabError ? error : new LabError(`the server failed to start: ${lastStderrLine(exited)}`);
    },
  )) as unknown as [Extract<ServerMessage, { type: 'listening' }>];

  let lastCounts: ServerStats | null = null;
  const listeners: ((counts: ServerStats) => void)[] = [];
  void (async () => {
    for await (const message of child.getEachMessage({ reference: false })) {
      const { type, ...counts } = message as unknown as ServerMessage;
      if (type !== 'counts') continue;
      lastCounts = counts as ServerStats;
      for (const listener of listeners) listener(lastCounts);
    }
  })().catch(() => {}); // the server's end is told by `exited`
  return {
    host: listening.host,
    port: listening.port,
    pid: listening.pid,
    async stats() {
      try {
        const reply = child.getOneMessage({ filter: (m) => (m as ServerMessage).type === 'stats' });
        await child.sendMessage({ type: 'stats' } satisfies LabRequest);
        const { type: _type, ...stats } = (await within(STATS_TIMEOUT_MS, 'the server did not report its counts', reply)) as unknown as Extract<
          ServerMessage,
          { type: 'stats' }
        >;
        return stats;
      } catch (error) {
        // Stopped, or gone: its counts are a figure the lab could not read.
        throw new MeasurementError(error instanceof LabError ? error.message : `the server did not report its counts (${errorLine(error)})`);
      }
    },
    async carried(clients) {
      const reply = child.getOneMessage({ filter: (m) => (m as ServerMessage).type === 'carried' });
      await child.sendMessage({ type: 'carried', clients: [...clients] } satisfies LabRequest);
      const { byClient } = (await within(STATS_TIMEOUT_MS, 'the server did not report the requests of its connections', reply)) as { byClient?: unknown };
      return carriedSchema.parse(byClient);
    },
    get lastCounts() {
      return lastCounts;
    },
    onCounts: (listener) => void listeners.push(listener),
    exited: child.then(howItEnded, howItEnded),
    stop,
  };
}
