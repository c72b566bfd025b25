// Paths on the command line: an empty one is refused rather than read as the current folder
// (path.resolve('') is the working directory) or taken for "not given" (`--out ''`).
import { InvalidArgumentError } from 'commander';

/** A path option or argument; `what` it names (a file name, a folder) is in the one line commander prints when it is empty. */
export function pathArgument(what: string) {
  return (text: string): string => {
    if (text.trim() === '') throw new InvalidArgumentError(`expected ${what}, not an empty path.`);
    return text;
  };
}

/** The same for a variadic argument (`<files...>`), whose values commander gathers through the parser. */
export function pathArguments(what: string) {
  const one = pathArgument(what);
  return (text: string, previous: string[] = []): string[] => [...previous, one(text)];
}
