// Numbers as people read them, the same in every output: 28,232 rather than 28232.

/**
 * A count with thousands separators, in English: `28,232`. Whole numbers without Intl, whose first
 * use costs about 10 ms of a command's start (scenario files format counts as they load).
 */
export const formatCount = (x: number): string =>
  Number.isSafeInteger(x) ? String(x).replace(/\B(?=(\d{3})+$)/g, ',') : x.toLocaleString('en-US');
