// The ephemeral ports a destination has left, and where a steady rate of connections takes them.
// Facts (docs/time.md, DESIGN.md): connections to one destination (remote address and port) each need
// a local port of ip_local_port_range that no other socket to that destination holds; the end that
// closes first keeps its port in TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN), so a client that opens R
// connections a second and closes them first holds R × 60 of them once a minute has passed (Little's
// law). tcp_tw_reuse lets a new connection take over a port in TIME_WAIT (after tcp_tw_reuse_delay,
// 1 s): 1 everywhere, 2 (the default) on loopback only.
import { isIP } from 'node:net';
import type { PortSysctls } from './namespace.ts';

/** TCP_TIMEWAIT_LEN (include/net/tcp.h): fixed, not a sysctl. */
export const TIME_WAIT_S = 60;

export interface PortBudget {
  /** The ports of ip_local_port_range. */
  ports: number;
  /** Sockets of this namespace towards the destination now (any state): the ports they hold. */
  inUse: number;
  /** Whether tcp_tw_reuse lets new connections take over this destination's TIME_WAIT ports. */
  twReuse: boolean;
  /** TIME_WAIT the observed rate of connections closed here first heads for: rate × 60 s. */
  plateau: number;
  /** Seconds until the ports run out at that rate; null when they hold. */
  exhaustedInS: number | null;
}

/** 127.0.0.0/8 and ::1 (and IPv4-mapped loopback, which tcp-table.ts prints as IPv4). */
export function isLoopback(address: string): boolean {
  return (isIP(address) === 4 && address.startsWith('127.')) || address === '::1';
}

/**
 * The budget of one destination: `closedHereFirstPerS` connections a second that this end closes
 * first, `inUse` sockets towards it now. Ports run out when the plateau does not fit in the range
 * and tcp_tw_reuse does not apply: the free ports go at the rate, with none back before 60 s.
 */
export function portBudget(sysctls: PortSysctls, destination: string, inUse: number, closedHereFirstPerS: number): PortBudget {
  const ports = sysctls.portRange.high - sysctls.portRange.low + 1;
  const twReuse = sysctls.twReuse === 1 || (sysctls.twReuse === 2 && isLoopback(destination));
  const plateau = Math.round(closedHereFirstPerS * TIME_WAIT_S);
  const runsOut = !twReuse && closedHereFirstPerS > 0 && plateau >= ports;
  return { ports, inUse, twReuse, plateau, exhaustedInS: runsOut ? Math.max(0, ports - inUse) / closedHereFirstPerS : null };
}
