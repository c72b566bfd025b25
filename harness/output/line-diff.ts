// A line diff (longest common subsequence) of two short pieces of code: enough for a variant's
// client next to its fix, which are a dozen lines each.

export type DiffLine = { kind: 'same' | 'removed' | 'added'; text: string };

export function lineDiff(before: string[], after: string[]): DiffLine[] {
  // common[i][j]: length of the longest common subsequence of before[i..] and after[j..].
  const common = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      common[i]![j] = before[i] === after[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      lines.push({ kind: 'same', text: before[i++]! });
      j++;
    } else if (j >= after.length || (i < before.length && common[i + 1]![j]! >= common[i]![j + 1]!)) {
      lines.push({ kind: 'removed', text: before[i++]! });
    } else {
      lines.push({ kind: 'added', text: after[j++]! });
    }
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
