// The figures of an observation that `npm run observe -- --expect 'FIGURE OP VALUE'` checks (exit 1
// when one does not hold), each read from the observation as a whole.
import type { ExpectOp } from '../scenario/measurement.ts';
import { formatCount } from '../shared/numbers.ts';
import type { Observation } from './observation-schema.ts';

const most = (values: number[]) => values.reduce((a, b) => Math.max(a, b), 0);

export const OBSERVATION_FIGURES = {
  connectionsPerSecond: { words: 'the most new connections a second of any destination', of: (o: Observation) => most(o.rows.map((r) => r.perSecond)) },
  timeWait: { words: "the namespace's TIME_WAIT at the end", of: (o: Observation) => o.timeWaitNow },
  destinationTimeWait: { words: 'the most TIME_WAIT any destination holds at the end', of: (o: Observation) => most(o.rows.map((r) => r.timeWaitNow)) },
  secondsToExhaustion: {
    words: 'the least time until a destination runs out of ports (none: they hold)',
    of: (o: Observation) => o.rows.reduce((least, r) => Math.min(least, r.budget?.exhaustedInS ?? Infinity), Infinity),
  },
} as const;
export type ObservationFigure = keyof typeof OBSERVATION_FIGURES;

export const isObservationFigure = (name: string): name is ObservationFigure => Object.hasOwn(OBSERVATION_FIGURES, name);
export const OBSERVATION_FIGURE_NAMES = Object.keys(OBSERVATION_FIGURES).join(', ');

export interface ObservationExpectation {
  figure: ObservationFigure;
  op: ExpectOp;
  value: number;
}

const HOLDS: Record<ExpectOp, (measured: number, value: number) => boolean> = {
  '<=': (m, v) => m <= v,
  '>=': (m, v) => m >= v,
  '<': (m, v) => m < v,
  '>': (m, v) => m > v,
  '==': (m, v) => m === v,
};

/** One line per expectation that does not hold, with what was measured. */
export function missedExpectations(observation: Observation, expectations: ObservationExpectation[]): string[] {
  return expectations.flatMap(({ figure, op, value }) => {
    const measured = OBSERVATION_FIGURES[figure].of(observation);
    const held = HOLDS[op](measured, value);
    const shown = Number.isFinite(measured) ? formatCount(Math.round(measured * 100) / 100) : 'none (they hold)';
    return held ? [] : [`--expect '${figure} ${op} ${value}' did not hold (measured ${shown}: ${OBSERVATION_FIGURES[figure].words})`];
  });
}
