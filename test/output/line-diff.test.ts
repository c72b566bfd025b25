import { describe, expect, it } from 'vitest';
import { changedPieces, counterparts, lineDiff, sideBySide } from '../../harness/output/line-diff.ts';

const bad = ['({ url }) => {', '  const agent = new http.Agent({ keepAlive: true });', '  return {', '    request: () => get(url, { agent }, (res) => void res.destroy()),', '  };', '}'];
const good = ['({ url }) => {', '  const agent = new http.Agent({ keepAlive: true });', '  return {', '    request: () => get(url, { agent }, (res) => consume(res)),', '  };', '}'];

describe('lineDiff', () => {
  it('marks only the line that differs, in order: removed before added', () => {
    expect(lineDiff(bad, good).map((l) => l.kind)).toEqual(['same', 'same', 'same', 'removed', 'added', 'same', 'same']);
    expect(lineDiff(bad, good)[3]!.text).toContain('res.destroy()');
    expect(lineDiff(bad, good)[4]!.text).toContain('consume(res)');
  });

  it('keeps every line of both sides', () => {
    const diff = lineDiff(['a', 'b', 'c'], ['b', 'x', 'c', 'd']);
    expect(diff.filter((l) => l.kind !== 'added').map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(diff.filter((l) => l.kind !== 'removed').map((l) => l.text)).toEqual(['b', 'x', 'c', 'd']);
    expect(diff.filter((l) => l.kind === 'same').map((l) => l.text)).toEqual(['b', 'c']);
  });

  it('handles an empty side', () => {
    expect(lineDiff([], ['a'])).toEqual([{ kind: 'added', text: 'a' }]);
    expect(lineDiff(['a'], [])).toEqual([{ kind: 'removed', text: 'a' }]);
  });
});

describe('sideBySide', () => {
  it('puts a changed block next to its replacement and pads the shorter side', () => {
    const rows = sideBySide(lineDiff(['a', 'b', 'c'], ['a', 'x', 'y', 'c']));
    expect(rows.map((r) => [r.left?.text ?? null, r.right?.text ?? null])).toEqual([
      ['a', 'a'],
      ['b', 'x'],
      [null, 'y'],
      ['c', 'c'],
    ]);
  });
});

describe('changedPieces', () => {
  /** The line with its changed pieces in [brackets], as the terminal and the report mark them. */
  const marked = (line: string[], other: string[]) => {
    const [removed, added] = lineDiff(line, other);
    return changedPieces(removed!, added!).map((p) => (p.changed ? `[${p.text}]` : p.text)).join('');
  };

  it('marks the words that differ within a changed line, on each side', () => {
    const before = '({ url }) => agentClient(url, { keepAlive: true, maxFreeSockets: IDLE_POOL })';
    const after = '({ url, load }) => agentClient(url, { keepAlive: true, maxFreeSockets: load.concurrency })';
    const diff = lineDiff([before], [after]);
    const [removed, added] = diff;
    expect(counterparts(diff).get(removed!)).toBe(added);
    expect(marked([before], [after])).toBe('({ url }) => agentClient(url, { keepAlive: true, maxFreeSockets: [IDLE_POOL] })');
    expect(changedPieces(added!, removed!).map((p) => (p.changed ? `[${p.text}]` : p.text)).join('')).toBe(
      '({ url[, load] }) => agentClient(url, { keepAlive: true, maxFreeSockets: [load.concurrency] })',
    );
  });

  it('keeps a change in one piece where equal words leave a choice of where it ends', () => {
    // The outer call's ")" is the one both lines share, not the inner one.
    expect(marked(['({ url }) => closesEachConnection(url, (socket) => socket.destroy())'], ['({ url }) => agentClient(url, { keepAlive: true })'])).toBe(
      '({ url }) => [closesEachConnection](url, [(socket)] [=>] [socket.destroy()])',
    );
  });
});

describe('lineDiff on every pair of short sequences', () => {
  // Sequences over a few tokens, so that equal tokens leave choices: each side reads back whole,
  // and the diff keeps as many items as the longest common subsequence has.
  const tokens = ['a', '(', ')'];
  const sequences = [[]] as string[][];
  for (let length = 1; length <= 4; length++) {
    for (const s of sequences.filter((x) => x.length === length - 1)) for (const t of tokens) sequences.push([...s, t]);
  }
  const longestCommon = (a: string[], b: string[]): number =>
    a.length === 0 || b.length === 0 ? 0 : a[0] === b[0] ? 1 + longestCommon(a.slice(1), b.slice(1)) : Math.max(longestCommon(a.slice(1), b), longestCommon(a, b.slice(1)));

  it('each side reads back whole, and the kept items are a longest common subsequence', () => {
    for (const before of sequences) {
      for (const after of sequences) {
        const diff = lineDiff(before, after);
        expect(diff.filter((l) => l.kind !== 'added').map((l) => l.text)).toEqual(before);
        expect(diff.filter((l) => l.kind !== 'removed').map((l) => l.text)).toEqual(after);
        expect(diff.filter((l) => l.kind === 'same')).toHaveLength(longestCommon(before, after));
      }
    }
  });
});
