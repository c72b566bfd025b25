// The clients and expectations of `npm run measure`, parsed as commander reads them, so that a bad
// one is one line saying what is accepted: `--client 'NAME=<shell command>'`, the words after
// `--` (a program and its arguments), `--expect 'FIGURE OP VALUE'`.
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { VARIANT_NAME } from '../scenario/contract.ts';
import { EXPECT_OPS, type ExpectOp, type MeasuredClient } from '../scenario/measurement.ts';
import { FIGURE_NAMES_TEXT, isFigure } from '../result/figures.ts';

const CLIENT_EXAMPLE = `'loop=for i in $(seq 60); do curl -s -o /dev/null "$TARGET_URL"; done'`;
const OPS_TEXT = Object.keys(EXPECT_OPS).join(' ');
const EXPECT_EXAMPLE = `'connectionsPerRequest <= 0.05'`;

/** The longest client name: a column of the table. */
export const MAX_CLIENT_NAME_CHARS = 40;

/** `--client NAME=<shell command>` (repeatable): a client run with `sh -c`. */
export function clientArgument(text: string, previous: MeasuredClient[] = []): MeasuredClient[] {
  const at = text.indexOf('=');
  const [name, command] = at < 0 ? ['', ''] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
  if (!VARIANT_NAME.test(name) || name.length > MAX_CLIENT_NAME_CHARS || command === '') {
    throw new InvalidArgumentError(
      `expected NAME=<shell command>, NAME of 1 to ${MAX_CLIENT_NAME_CHARS} lowercase letters, digits and dashes, e.g. ${CLIENT_EXAMPLE}.`,
    );
  }
  if (previous.some((client) => client.name === name)) throw new InvalidArgumentError(`a client named ${name} is given twice: each needs a name of its own.`);
  return [...previous, { name, command, argv: ['sh', '-c', command], shell: true }];
}

/** A word as a POSIX shell reads it back: as it is when it is plain, in single quotes otherwise. */
const shellQuote = (word: string) => (/^[A-Za-z0-9_/.:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** The words after `--`: a program and its arguments, run as they are, named after the program (`python3 client.py`: python3). */
export function commandClient(words: [string, ...string[]]): MeasuredClient {
  const name = path.basename(words[0]).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MAX_CLIENT_NAME_CHARS) || 'client';
  return { name, command: words.map(shellQuote).join(' '), argv: words, shell: false };
}

/** `--expect 'FIGURE OP VALUE'` (repeatable): a figure every client must hold to. */
export const expectArgument = expectationParser(isFigure, FIGURE_NAMES_TEXT, EXPECT_EXAMPLE);

/** A parser of `--expect 'FIGURE OP VALUE'` whose figures are those `isKnown` takes (`names`: them, for the message). */
export function expectationParser<F extends string>(isKnown: (name: string) => name is F, names: string, example: string) {
  return (text: string, previous: { figure: F; op: ExpectOp; value: number }[] = []) => {
    const match = /^\s*([^\s<>=!]+)\s*([<>=!]+)\s*(.*?)\s*$/.exec(text);
    if (!match) throw new InvalidArgumentError(`expected 'FIGURE OP VALUE', OP one of ${OPS_TEXT}, e.g. ${example}.`);
    const [, figure, op, value] = match as unknown as [string, string, string, string];
    if (!(op in EXPECT_OPS)) throw new InvalidArgumentError(`"${op}" is not an operator; OP is one of ${OPS_TEXT}, e.g. ${example}.`);
    if (!isKnown(figure)) throw new InvalidArgumentError(`"${figure}" is not a figure; figures: ${names}.`);
    if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a number; VALUE is a number in the figure's unit, like 20 or 0.05.`);
    return [...previous, { figure, op: op as ExpectOp, value: Number(value) }];
  };
}
