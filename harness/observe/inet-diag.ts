// Reads the raw socket records that `ss -tan -D -` dumps: the kernel's inet_diag messages as they
// came over netlink, before ss formats them. Formatting one text line per socket is most of what ss
// costs with tens of thousands of sockets; these records give state and ports at fixed offsets.
// Note: with -D, ss applies state filters but ignores filter expressions such as ports (iproute2
// 6.1: `ss -tan -D - 'dport = :9'` dumps every socket), so the records cover the whole namespace.
import os from 'node:os';
import type { SocketState, SsSocket } from './ss-parse.ts';

/** Kernel TCP state numbers (include/net/tcp_states.h), as /proc/net/tcp and inet_diag give them. */
export const KERNEL_TCP_STATES: Record<number, SocketState> = {
  1: 'established',
  2: 'synSent',
  3: 'synRecv',
  4: 'finWait1',
  5: 'finWait2',
  6: 'timeWait',
  7: 'closed',
  8: 'closeWait',
  9: 'lastAck',
  10: 'listen',
  11: 'closing',
  12: 'synRecv', // TCP_NEW_SYN_RECV: a request socket; ss shows it as SYN-RECV
};

// struct nlmsghdr (linux/netlink.h): u32 length, u16 type, u16 flags, u32 seq, u32 pid; host order.
const NLMSG_HEADER_BYTES = 16;
// SOCK_DIAG_BY_FAMILY (linux/sock_diag.h): one socket's record; other types (DONE, ERROR) end a dump.
const SOCK_DIAG_BY_FAMILY = 20;
// struct inet_diag_msg (linux/inet_diag.h) follows the header: u8 family, u8 state, u8 timer,
// u8 retrans, then the socket id, which starts with __be16 sport, __be16 dport.
const STATE_OFFSET = 1;
const SPORT_OFFSET = 4;
const DPORT_OFFSET = 6;
const RECORD_MIN_BYTES = NLMSG_HEADER_BYTES + 8;
const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/**
 * The sockets in a dump of inet_diag messages. With `port`, only sockets on or to that port are
 * returned (the others are skipped without building an object for each).
 */
export function parseInetDiag(dump: Uint8Array, port?: number): SsSocket[] {
  const view = new DataView(dump.buffer, dump.byteOffset, dump.byteLength);
  const sockets: SsSocket[] = [];
  for (let offset = 0; offset < dump.byteLength; ) {
    const length = offset + NLMSG_HEADER_BYTES <= dump.byteLength ? view.getUint32(offset, HOST_LITTLE_ENDIAN) : 0;
    if (length < NLMSG_HEADER_BYTES || offset + length > dump.byteLength) {
      throw new Error(`ss -D printed a truncated netlink message at byte ${offset} of ${dump.byteLength}`);
    }
    if (view.getUint16(offset + 4, HOST_LITTLE_ENDIAN) === SOCK_DIAG_BY_FAMILY && length >= RECORD_MIN_BYTES) {
      const record = offset + NLMSG_HEADER_BYTES;
      const localPort = view.getUint16(record + SPORT_OFFSET); // network order: big-endian
      const peerPort = view.getUint16(record + DPORT_OFFSET);
      if (port === undefined || localPort === port || peerPort === port) {
        const number = dump[record + STATE_OFFSET]!;
        const state = KERNEL_TCP_STATES[number];
        if (state === undefined) throw new Error(`ss -D gave an unknown TCP state number ${number}`);
        sockets.push({ state, localPort, peerPort });
      }
    }
    offset += (length + 3) & ~3; // NLMSG_ALIGN: messages start on 4-byte boundaries
  }
  return sockets;
}
