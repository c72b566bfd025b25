// An IP address's bytes (network order) as the lab writes addresses: IPv4 dotted, IPv6 compressed as
// URLs write it (RFC 5952: `::1`), an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, a dual-stack
// socket's view of an IPv4 peer) as the IPv4 address it stands for.
import { isIPv6, SocketAddress } from 'node:net';

/** 4 or 16 bytes from `bytes` at `at` (16 when `ipv6`). */
export function addressText(bytes: Uint8Array, at = 0, ipv6 = false): string {
  if (!ipv6) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  let mapped = bytes[at + 10] === 0xff && bytes[at + 11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) mapped = bytes[at + i] === 0;
  if (mapped) return addressText(bytes, at + 12);
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[at + i]! << 8) | bytes[at + i + 1]!).toString(16));
  // The WHATWG URL serializer compresses the longest run of zero groups (RFC 5952).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** An address as the user wrote it (`0:0::1`, `[::1]`), in the form addressText gives; anything else as it is. */
export function canonicalAddress(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!isIPv6(bare)) return bare;
  const text = new SocketAddress({ address: bare, family: 'ipv6' }).address;
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(text) ? text.slice(7) : text;
}
