// The options of `npm run observe`, parsed as commander reads them: each refuses what it cannot
// take with one line saying what it accepts (exit 2).
import { InvalidArgumentError } from 'commander';
import { isIP } from 'node:net';
import { port, positiveNumber, wholeNumber } from './number-arguments.ts';
import { expectationParser } from './measure-options.ts';
import { isObservationFigure, OBSERVATION_FIGURE_NAMES } from '../host/figures.ts';

/** At most a day: an observation is a window, not a daemon. */
export const durationSeconds = positiveNumber(86_400, 'seconds', '30 or 2.5');

/** A PID as Linux has them (pid_max is at most 2^22). */
export const pidArgument = wholeNumber(1, 4_194_304, 'a process ID');

export const portArgument = port;

/** `--remote ADDR[:PORT]`: an IPv4 or IPv6 address (`[::1]:8080` with a port), as the socket table shows it. */
export function remoteArgument(text: string): { address: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(text);
  const [, address, portText] = bracketed ?? plain ?? (isIP(text) === 6 ? [text, text, undefined] : []);
  if (!address || isIP(address) === 0) throw new InvalidArgumentError('expected an IP address with an optional port: 10.0.0.7, 10.0.0.7:8080, ::1 or [::1]:8080.');
  if (portText === undefined) return { address: normalized(address) };
  const parsed = Number(portText);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535) throw new InvalidArgumentError('expected a port from 1 to 65535 after the address.');
  return { address: normalized(address), port: parsed };
}

/** An address as the socket table prints it: IPv6 compressed (RFC 5952, the URL serializer's). */
const normalized = (address: string) => (isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address);

export const observationExpectArgument = expectationParser(isObservationFigure, OBSERVATION_FIGURE_NAMES, "'connectionsPerSecond <= 100'");
