// How a scenario states a bound that depends on the load the run really has (the command line may
// change it): the words that explain it, and its value for a load.
import { z } from 'zod';
import { fn } from './zod.ts';
import type { LoadSettings } from './load-settings.ts';

/**
 * A bound that depends on the effective load, or on another variant's figure of the same run (null
 * when that variant did not measure it), with the words that explain it.
 */
export const derivedBoundSchema = z.object({ text: z.string().min(1), value: fn<(load: LoadSettings, otherVariant: (name: string) => number | null) => number | null>() });
export type DerivedBound = z.infer<typeof derivedBoundSchema>;

/** `timesVariant(3, 'keep-alive')`: 3 × the same figure of variant keep-alive, measured in the same run. */
export function timesVariant(factor: number, variant: string): DerivedBound {
  return { text: `${factor} × ${variant}'s`, value: (_load, otherVariant) => ((measured) => (measured === null ? null : factor * measured))(otherVariant(variant)) };
}

/** `times(0.9, 'requests')`: a bound of 0.9 × the effective request count. */
export function times(factor: number, param: 'requests' | 'concurrency'): DerivedBound {
  return { text: factor === 1 ? param : `${factor} × ${param}`, value: (load) => factor * load[param] };
}

/**
 * The connections opened anew under bursts by a pool that keeps `kept` idle between them: each
 * burst reopens the rest, `margin` × requests × (concurrency − kept) / concurrency. The margin
 * allows for requests that start late in a burst and take a connection another one just gave back.
 */
export function reopenedPerBurst(margin: number, kept: number): DerivedBound {
  return {
    text: `${margin} × requests × (concurrency − ${kept}) / concurrency`,
    value: ({ requests, concurrency }) => (margin * requests * (concurrency - kept)) / concurrency,
  };
}
