import { describe, expect, it } from 'vitest';
import { parsePortRange, project, type ProjectionInput } from '../../harness/result/projection.ts';
import { projectionSentence } from '../../harness/output/projection-text.ts';

/** A variant's figures, as a run would report them; each test overrides what it is about. */
function input(over: {
  opened: number;
  requests?: number;
  durationMs?: number;
  clientTw?: number;
  serverTw?: number;
  established?: number;
  samples?: number;
  concurrency?: number;
  portRange?: string | null;
}): ProjectionInput {
  return {
    summary: {
      requests: { total: over.requests ?? 2000, ok: over.requests ?? 2000 },
      connectionsOpened: over.opened,
      durationMs: over.durationMs ?? 2000,
      timeWait: {
        clientSide: { peak: over.clientTw ?? 0, atEnd: over.clientTw ?? 0 },
        serverSide: { peak: over.serverTw ?? 0, atEnd: over.serverTw ?? 0 },
        total: { peak: (over.clientTw ?? 0) + (over.serverTw ?? 0) },
      },
      established: { peak: over.established ?? 20, clientSide: { peak: over.established ?? 20 }, serverSide: { peak: over.established ?? 20 } },
      samplesTaken: over.samples ?? 25,
    },
    concurrency: over.concurrency ?? 20,
    portRange: over.portRange === undefined ? '32768 60999' : over.portRange,
  };
}

describe('parsePortRange', () => {
  it('reads the two bounds as /proc/sys prints them (tab between) and counts both ends', () => {
    expect(parsePortRange('32768\t60999\n')).toEqual({ low: 32768, high: 60999, size: 28232 });
    expect(parsePortRange('40000 40999')).toEqual({ low: 40000, high: 40999, size: 1000 });
  });
  it('gives null for a missing or malformed range', () => {
    expect(parsePortRange(null)).toBeNull();
    expect(parsePortRange('60999 32768')).toBeNull();
    expect(parsePortRange('32768')).toBeNull();
  });
});

describe('project', () => {
  it('a client that closes every connection first: (opened − pool) / s × 60 s, and when the range runs out', () => {
    // 2,020 opened in 2 s, 20 of them the pool: 1,000 new connections/s, all in client TIME_WAIT.
    const p = project(input({ opened: 2020, clientTw: 2020, durationMs: 2000 }));
    expect(p.projected).toBe(true);
    if (!p.projected) return;
    expect(p.newConnectionsPerSec).toBe(1000);
    expect(p.clientClosedShare).toBe(1);
    expect(p.clientPortsHeld).toBe(60_000 + 20);
    expect(p.shareOfRange).toBeCloseTo(60_020 / 28_232, 6);
    // (28,232 − 20 open) ports at 1,000 TIME_WAIT/s.
    expect(p.exhaustedAfterS).toBeCloseTo(28.212, 6);
    expect(p.exhaustingRatePerSec).toBeCloseTo(28_232 / 60, 6);
    expect(p.serverTimeWaitHeld).toBe(0);
    expect(projectionSentence(p)).toBe(
      '1,000 new connections/s, 100% closed by the client first → the client host would hold ~60,020 ports, ' +
        'more than its 28,232: it runs out of ephemeral ports after 28.2 s (EADDRNOTAVAIL)',
    );
  });

  it('a slower churn that fits the range says how much of it, and the rate that would exhaust it', () => {
    // 120 new connections in 12 s: 10/s × 60 s = 600 ports, half of them closed by the client.
    const p = project(input({ opened: 140, clientTw: 70, durationMs: 12_000, portRange: '40000 40999' }));
    if (!p.projected) throw new Error(p.reason);
    expect(p.newConnectionsPerSec).toBe(10);
    expect(p.clientClosedShare).toBe(0.5);
    expect(p.clientPortsHeld).toBe(300 + 20);
    expect(p.exhaustedAfterS).toBeNull();
    expect(p.exhaustingRatePerSec).toBeCloseTo(1000 / 60 / 0.5, 6);
    expect(projectionSentence(p)).toBe(
      '10 new connections/s, 50% closed by the client first → the client host would hold ~320 ports, 32% of its range; ' +
        'it would run out above 33 new connections/s',
    );
  });

  it('a fix that opens only its pool churns nothing: it holds its open connections', () => {
    const p = project(input({ opened: 20, clientTw: 20 }));
    if (!p.projected) throw new Error(p.reason);
    expect(p.newConnectionsPerSec).toBe(0);
    expect(p.clientPortsHeld).toBe(20);
    expect(p.exhaustedAfterS).toBeNull();
    expect(projectionSentence(p)).toBe('no new connections once the pool is open → the client host holds ~20 ports, 0.07% of its range');
  });

  it('when the server closes first, the TIME_WAIT and its cost move to the server', () => {
    const p = project(input({ opened: 2020, clientTw: 0, serverTw: 2020 }));
    if (!p.projected) throw new Error(p.reason);
    expect(p.clientPortsHeld).toBe(20);
    expect(p.exhaustingRatePerSec).toBeNull();
    expect(p.serverTimeWaitHeld).toBe(60_000);
    expect(projectionSentence(p)).toContain('closed by the server first');
  });

  it('when neither side keeps a TIME_WAIT (resets, or a server side not sampled), it does not say who closed first', () => {
    const p = project(input({ opened: 2020, clientTw: 0, serverTw: 0 }));
    if (!p.projected) throw new Error(p.reason);
    expect(p.serverTimeWaitHeld).toBe(0);
    expect(projectionSentence(p)).toMatch(/new connections\/s, no TIME_WAIT on the client side → the client holds only its ~20 open ports$/);
  });

  it('a run longer than TIME_WAIT: only the last 60 s of connections can be in TIME_WAIT at once', () => {
    // 100/s for 120 s: the client-side peak of 6,000 means every connection was closed by the client.
    const p = project(input({ opened: 12_020, requests: 12_020, clientTw: 6000, durationMs: 120_000 }));
    if (!p.projected) throw new Error(p.reason);
    expect(p.newConnectionsPerSec).toBe(100);
    expect(p.clientClosedShare).toBeCloseTo(6000 / 6020, 6);
  });

  it('an unknown port range still projects the ports held, without the share of a range', () => {
    const p = project(input({ opened: 2020, clientTw: 2020, portRange: null }));
    if (!p.projected) throw new Error(p.reason);
    expect(p.clientPortsHeld).toBe(60_020);
    expect(p.shareOfRange).toBeNull();
    expect(p.exhaustedAfterS).toBeNull();
  });

  it('says plainly when the run was too short: too few requests for the concurrency', () => {
    const p = project(input({ opened: 100, requests: 100, concurrency: 20 }));
    expect(p).toEqual({
      projected: false,
      reason:
        'too short to project: 100 requests at concurrency 20; opening the pool would dominate the rate ' +
        '(needs at least 10 × concurrency = 200 requests; raise --requests)',
    });
  });

  it('says plainly when the socket table was sampled too rarely to tell who closed', () => {
    const p = project(input({ opened: 2020, clientTw: 2020, samples: 2 }));
    expect(p.projected).toBe(false);
    if (p.projected) return;
    expect(p.reason).toMatch(/^too slow to project: the socket table was sampled 2 times/);
  });

  it('does not blame the sampling when it was enough and the load took no time (a client that reports durationMs 0)', () => {
    const p = project(input({ opened: 2020, clientTw: 2020, samples: 12, durationMs: 0 }));
    expect(p.projected).toBe(false);
    if (p.projected) return;
    expect(p.reason).toBe('too short to project: the load took no measurable time (a client that reports its own durationMs of 0)');
  });
});
