import { defineScenario, type VariantRun } from '../harness/scenario/contract.ts';
import { times } from '../harness/shapes/bounds.ts';
import { COARSEST_STEP_MS, TIME_WAIT_TIMER_MS } from '../harness/result/time-wait.ts';
import { agentClient, consume } from './_http.ts';
import { formatCount } from '../harness/shared/numbers.ts';

/** Requests started a second: 300 new connections a second hold about 18,000 ports, well inside Linux's default range. */
const RATE = 300;
/**
 * Seconds of load: TIME_WAIT climbs for 60 s and a step of the timer wheel, then holds for at
 * least one more step (5.12 s at HZ=100, the coarsest) before the load ends and the drain begins.
 */
const LOAD_S = 72;
/** The fix holds no TIME_WAIT whatever the length: a few seconds show it. */
const FIX_S = 3;

const seconds = ({ load }: VariantRun) => (load?.rate ? load.requests / load.rate : 0);
/** Long enough for the plateau: 60 s of TIME_WAIT, a step of the wheel to fill, a step to average over (and the first request's start). */
const outlastsTimeWait = {
  text: `a load of ${LOAD_S} s or more at a rate (60 s of TIME_WAIT, then two steps of the timer wheel)`,
  value: (run: VariantRun) => seconds(run) * 1000 >= TIME_WAIT_TIMER_MS + 2 * COARSEST_STEP_MS + 1000,
};
/** The timer is the mean lifetime less half a step only for sockets spread over 10 steps of the wheel or more, and only a drain shows the steps. */
const spreadAndDrained = {
  text: 'the drain, after a load of 52 s or more (sockets spread over 10 steps of the timer wheel)',
  value: (run: VariantRun) => run.drains && seconds(run) * 1000 >= 10 * COARSEST_STEP_MS,
};
const drained = { text: 'the drain (the variant samples on until TIME_WAIT is gone)', value: (run: VariantRun) => run.drains };

export default defineScenario({
  name: 'steady-state',
  summary: `no-body-close's client at ${RATE} requests a second for ${LOAD_S} s: TIME_WAIT climbs for 60 s, then holds at rate × lifetime`,
  explanation: {
    problem:
      `The client of no-body-close (it drops every response unread, so every request opens a connection and closes it first) ` +
      `at a steady ${RATE} requests a second, on a fixed schedule, for ${LOAD_S} s: the load a real service gets.`,
    why:
      'Each connection the client closes first holds its port in TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN), plus up to one ' +
      "step of the kernel's timer wheel (2 s at HZ=250), which fires a whole bucket of timers at once. So TIME_WAIT climbs " +
      'for 60 s, then sockets leave as fast as they come: it holds at new connections a second × lifetime (Little\'s law), ' +
      `about ${formatCount(RATE * 60)} ports, whatever the length of the load. After the load the drain falls in ` +
      'steps, one bucket of the wheel at a time, and measures the lifetime on this kernel.',
    fix: 'Read every response to the end and share one keep-alive agent: the pool stays at the few connections in flight.',
  },
  // The default port range, written out, and no reuse of TIME_WAIT ports: two hosts, as in production.
  clientSysctls: { 'net.ipv4.ip_local_port_range': '32768 60999', 'net.ipv4.tcp_tw_reuse': '0' },
  // Room for 200 requests in flight: a machine that stalls for half a second queues them rather than dropping them.
  load: { pattern: 'rate', rate: RATE, requests: RATE * LOAD_S, concurrency: 200 },
  variants: [
    {
      name: 'bad',
      role: 'misconfigured',
      summary: 'keep-alive agent, destroys every response unread: a new connection per request, closed by the client',
      drain: true,
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => void res.destroy()),
    },
    {
      name: 'good',
      role: 'fix',
      summary: `keep-alive agent, reads every body to the end, for ${FIX_S} s: a few connections serve every request`,
      load: { requests: RATE * FIX_S },
      makeClient: ({ url }) => agentClient(url, { keepAlive: true }, (res) => consume(res)),
    },
  ],
  claims: [
    { variant: 'bad', metric: 'connectionsPerRequest', atLeast: 0.9 },
    { variant: 'bad', metric: 'requests.failed', atMost: 0 },
    // Little's law: the plateau is new connections a second × the lifetime the drain measured.
    { variant: 'bad', metric: 'timeWait.plateau.ratio', atLeast: 0.95, atMost: 1.05, when: outlastsTimeWait },
    // The timer itself, which the wheel's rounding leaves out: 60 s at any HZ (the mean lifetime is
    // 60 s plus half a step: 61.0 s at HZ=250, 62.0 s at HZ=1000, 62.6 s at HZ=100).
    { variant: 'bad', metric: 'timeWait.drain.timerMs', atLeast: TIME_WAIT_TIMER_MS - 2000, atMost: TIME_WAIT_TIMER_MS + 2000, when: spreadAndDrained },
    // Never shorter than the timer, never longer than the timer and the coarsest step: not 30 s.
    { variant: 'bad', metric: 'timeWait.lifetimeMs', atLeast: TIME_WAIT_TIMER_MS - 1000, atMost: TIME_WAIT_TIMER_MS + COARSEST_STEP_MS + 1000, when: drained },
    { variant: 'good', metric: 'connectionsOpened', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'timeWait.total.peak', atMost: times(1, 'concurrency') },
    { variant: 'good', metric: 'requests.failed', atMost: 0 },
  ],
});
