// The diff of a variant's client next to its fix, in lines, and of a changed line next to its
// counterpart, in words: jsdiff (the `diff` package) finds the changes, this lays them out.
import { diffArrays } from 'diff';

export type DiffLine = { kind: 'same' | 'removed' | 'added'; text: string };

/** Every item of both sides in order, each marked same, removed or added. */
export function lineDiff(before: string[], after: string[]): DiffLine[] {
  const diff = diffArrays(before, after).flatMap((change) =>
    change.value.map((text): DiffLine => ({ kind: change.added ? 'added' : change.removed ? 'removed' : 'same', text })),
  );
  return slideUp(diff);
}

/**
 * Where equal items leave a choice, jsdiff may split a change around an item it keeps:
 * `socket.destroy(` changed, `)` kept, `)` changed. As git's diff does with changed lines, each
 * change slides up while the kept item before it equals its last item on every side it changes,
 * so that it reads as one piece: `socket.destroy()` changed, `)` kept.
 */
function slideUp(diff: DiffLine[]): DiffLine[] {
  const lines = [...diff];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.kind !== 'same') continue;
    let end = i + 1;
    while (end < lines.length && lines[end]!.kind !== 'same') end++;
    const change = lines.slice(i + 1, end);
    const kept = lines[i]!.text;
    const last = (['removed', 'added'] as const).map((kind) => change.findLastIndex((l) => l.kind === kind)).filter((at) => at !== -1);
    if (last.length === 0 || last.some((at) => change[at]!.text !== kept)) continue;
    // The kept item becomes the first of the change on each side, and its last item is kept instead.
    const first = last.map((at) => ({ kind: change[at]!.kind, text: kept }));
    lines.splice(i, end - i, ...first, ...change.filter((_, at) => !last.includes(at)), { kind: 'same', text: kept });
    // The change may slide further up: look again from the item before it.
    i = Math.max(-1, i - 2);
  }
  return lines;
}

/**
 * The two sides of a diff as rows that line up: unchanged lines side by side, a changed block as
 * its removed lines next to its added lines (the shorter side padded with null).
 */
export function sideBySide(diff: DiffLine[]): { left: DiffLine | null; right: DiffLine | null }[] {
  const rows: { left: DiffLine | null; right: DiffLine | null }[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) rows.push({ left: removed[k] ?? null, right: added[k] ?? null });
    removed = [];
    added = [];
  };
  for (const line of diff) {
    if (line.kind === 'removed') removed.push(line);
    else if (line.kind === 'added') added.push(line);
    else {
      flush();
      rows.push({ left: line, right: line });
    }
  }
  flush();
  return rows;
}

/** For each changed line that has a counterpart on the other side (same row side by side), that counterpart. */
export function counterparts(diff: DiffLine[]): Map<DiffLine, DiffLine> {
  const pairs = new Map<DiffLine, DiffLine>();
  for (const { left, right } of sideBySide(diff)) {
    if (left && right && left !== right) pairs.set(left, right).set(right, left);
  }
  return pairs;
}

/** A line cut into pieces, each saying whether it differs from the counterpart line. */
export type Piece = { text: string; changed: boolean };

/** Words, runs of spaces and single punctuation marks: the units a changed line is compared in. */
const tokens = (line: string) => line.match(/\w+|\s+|[^\w\s]/g) ?? [];

export function changedPieces(line: DiffLine, counterpart: DiffLine): Piece[] {
  const [before, after] = line.kind === 'removed' ? [line.text, counterpart.text] : [counterpart.text, line.text];
  const pieces: Piece[] = [];
  for (const token of lineDiff(tokens(before), tokens(after))) {
    if (token.kind !== 'same' && token.kind !== line.kind) continue;
    const changed = token.kind !== 'same';
    const last = pieces.at(-1);
    if (last && last.changed === changed) last.text += token.text;
    else pieces.push({ text: token.text, changed });
  }
  return pieces;
}
