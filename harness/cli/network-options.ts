// The scenario CLI's network options (--netns, --sysctl, --target, --control-port, --listen): their parsing.
import net from 'node:net';
import { Option, InvalidArgumentError, type Command } from 'commander';
import { parseSysctlArgument, type SysctlSettings } from '../scenario/client-sysctls.ts';
import type { NetnsMode, NetworkOptions } from '../stage/topology.ts';
import { port } from './number-arguments.ts';

export interface NetworkCliOptions {
  netns: NetnsMode;
  sysctl: SysctlSettings;
  target?: URL;
  controlPort?: number;
  listen?: string;
}

function sysctlArgument(text: string, previous: SysctlSettings): SysctlSettings {
  try {
    const [name, value] = parseSysctlArgument(text);
    return { ...previous, [name]: value };
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

function targetArgument(text: string): URL {
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || url.protocol !== 'http:' || url.username || url.password || url.search || url.hash) {
    throw new InvalidArgumentError('expected an http URL of a server, like http://server:8080/.');
  }
  return url;
}

function listenArgument(text: string): string {
  if (net.isIP(text) === 0) throw new InvalidArgumentError('expected an IP address of this host, like 127.0.0.2, ::1 or 0.0.0.0.');
  return text;
}

export function addNetworkOptions(program: Command): Command {
  return program
    .addOption(
      new Option('--netns <mode>', 'client and server in network namespaces of their own: on, off, or auto (when this process may create them)')
        .choices(['on', 'off', 'auto'])
        .default('auto'),
    )
    .option('--sysctl <name=value>', 'set a sysctl the lab knows in the client namespace (repeatable), e.g. net.ipv4.tcp_tw_reuse=0', sysctlArgument, {})
    .option('--target <url>', 'drive a server the lab did not start (e.g. http://server:8080/), which must accept a connection before the run; the client side is sampled here', targetArgument)
    .option('--control-port <port>', "with --target: the port of that server's control endpoint, for its own counts", port)
    .option('--listen <address>', 'bind the server to this address of this host instead of 127.0.0.1 (runs on loopback; 0.0.0.0 or :: reach every interface)', listenArgument);
}

export function networkOptions(o: NetworkCliOptions): NetworkOptions {
  return { netns: o.netns, sysctls: o.sysctl, target: o.target ?? null, controlPort: o.controlPort ?? null, listen: o.listen ?? null };
}
