// Numbers on the command line: each parser refuses what it cannot take with the one line commander
// prints after "option '--x <n>' argument 'y' is invalid.", saying what it accepts.
import { InvalidArgumentError } from 'commander';
import { formatCount } from '../shared/numbers.ts';

/**
 * A whole number from `min` to `max`, written in digits; `what` it is and how its bounds are shown in
 * the message (a count with thousands separators; a port plain).
 */
export function wholeNumber(min: number, max: number, what = 'a whole number', show: (n: number) => string = formatCount) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected ${what} from ${show(min)} to ${show(max)}.`);
    }
    return value;
  };
}

/** A TCP port. */
export const port = wholeNumber(1, 65_535, 'a port', String);

/** A number of minutes above 0 and at most `max`, fractions allowed (0.5). */
export const minutes = (max: number) => positiveNumber(max, 'minutes', '10 or 0.5');

/** A number above 0 and at most `max`, fractions allowed: `what` it counts, and an `example` of it. */
export function positiveNumber(max: number, what: string, example: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0) || value > max) {
      throw new InvalidArgumentError(`expected a number of ${what} above 0 and at most ${formatCount(max)}, e.g. ${example}.`);
    }
    return value;
  };
}
