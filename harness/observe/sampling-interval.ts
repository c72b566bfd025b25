// The sampler's default interval, apart from the sampler: the command line shows it in --help, and
// `--help` and `--list` should not load the sampler (npm run bench measures the CLI's start).

/** Time between two samples unless the user says otherwise (`--interval-ms`). */
export const DEFAULT_INTERVAL_MS = 100;
