// Numbers as people read them, the same in every output: 28,232 rather than 28232.

/** A count with thousands separators, in English: `28,232`. */
export const formatCount = (x: number): string => x.toLocaleString('en-US');
