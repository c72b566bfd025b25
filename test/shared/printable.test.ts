// Outside text on a terminal: every control character shown as an escape, everything else as it is.
import { describe, expect, test } from 'vitest';
import { printable, printableDeep } from '../../harness/shared/printable.ts';

describe('printable', () => {
  test.each([
    ['an erase of the screen', 'a\x1b[2Jb', 'a\\x1b[2Jb'],
    ['an OSC window title, ended by BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['a carriage return that would overwrite the line', 'ok\rFAILED', 'ok\\x0dFAILED'],
    ['a line feed that would forge a line', 'x\nverdict: fine', 'x\\x0averdict: fine'],
    ['DEL and the 8-bit CSI (C1)', '\x7f\x9b2J', '\\x7f\\x9b2J'],
    ['a bidirectional override (Trojan Source)', 'a\u202eb', 'a\\u202eb'],
  ])('%s', (_, text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  test('text without control characters is left as it is, accents, CJK and emoji included', () => {
    const text = 'AMD EPYC 7B13 64-Core · café 東京 📈 [min–max]';
    expect(printable(text)).toBe(text);
  });

  test('printableDeep: every string of a structure, keys too; numbers and the rest as they are', () => {
    expect(printableDeep({ 'k\x1b': ['v\x07', 1, null, true, { deep: '\x1b[2J' }] })).toEqual({ 'k\\x1b': ['v\\x07', 1, null, true, { deep: '\\x1b[2J' }] });
  });
});
