// The settings of a run as its result records them (`params`), with every server setting, and
// what they decide of a variant: whether it drains, and how long a drain may last. Made by
// run/settings.ts; read by the runner and by what prints them.
import type { LoadSettings } from '../shapes/load-settings.ts';
import type { ServerSettings } from '../shapes/server-settings.ts';
import type { Result } from './schema.ts';

/**
 * How long a drain may last after the load: a socket lives 60 s and at most one step of the timer
 * wheel (5.12 s at HZ=100, the coarsest), and the rest is room for a sampler that runs late.
 */
export const DRAIN_LIMIT_MS = 75_000;

/**
 * The settings a run uses, as its result records them (`params`), with every server setting. A
 * measurement (npm run measure) has no load: each client makes the requests it makes.
 */
export type RunSettings = Omit<Result['params'], 'server' | 'topology'> & { server: ServerSettings };
/** The settings of a run of a catalogue scenario: its load is known. */
export type ScenarioRunSettings = RunSettings & { load: LoadSettings };

/** Whether a variant samples on after its load until its TIME_WAIT is gone: --drain or --no-drain, else the variant's say. */
export const drains = (settings: Pick<RunSettings, 'drain'>, variant: { name: string; drain?: boolean | undefined } | undefined): boolean =>
  settings.drain ?? variant?.drain ?? false;
