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
  it('marks the words that differ within a changed line, on each side', () => {
    const diff = lineDiff(
      ['({ url }) => agentClient(url, { keepAlive: true, maxFreeSockets: IDLE_POOL })'],
      ['({ url, load }) => agentClient(url, { keepAlive: true, maxFreeSockets: load.concurrency })'],
    );
    const pairs = counterparts(diff);
    const [removed, added] = diff;
    expect(pairs.get(removed!)).toBe(added);
    expect(changedPieces(removed!, added!).filter((p) => p.changed).map((p) => p.text)).toEqual(['IDLE_POOL']);
    expect(changedPieces(added!, removed!).filter((p) => p.changed).map((p) => p.text.trim())).toEqual([',', 'load', 'load.concurrency']);
    expect(changedPieces(added!, removed!).map((p) => p.text).join('')).toBe(added!.text);
  });
});
