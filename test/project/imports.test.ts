// The house has floors: no file imports a file that imports it (directly or round a loop), and no
// folder imports a folder that imports it. The imports are read by TypeScript's own scanner
// (ts.preProcessFile: static imports, `import type`, export-from and `import()` alike), from the
// files as they are, so a new import that closes a loop fails here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { expect, test } from 'vitest';
import { ROOT } from '../support/helpers.ts';

const FOLDERS = ['harness', 'servers', 'scenarios', 'bench'];

const sources = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(folder, file)),
);

/** Each file's imports of the lab's own files (relative specifiers), as paths from the root. */
const imports = new Map(
  sources.map((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const own = importedFiles.map((i) => i.fileName).filter((name) => name.startsWith('.'));
    return [file, own.map((name) => path.normalize(path.join(path.dirname(file), name)))] as const;
  }),
);

/** The loops of a graph: its strongly connected components of more than one node, or a node that reaches itself (Tarjan). */
function loops(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (stack.includes(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do component.push((member = stack.pop()!));
    while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

test('the scanner reads the imports of the lab (a known edge is seen)', () => {
  expect(sources.length).toBeGreaterThan(50);
  expect(imports.get(path.normalize('harness/commands/scenario.ts'))?.length).toBeGreaterThan(3);
});

test('no file imports a file that imports it', () => {
  const graph = new Map([...imports].map(([file, to]) => [file, new Set(to)]));
  expect(loops(graph)).toEqual([]);
});

test('no folder imports a folder that imports it', () => {
  const graph = new Map<string, Set<string>>();
  for (const [file, to] of imports) {
    const from = path.dirname(file);
    const edges = graph.get(from) ?? graph.set(from, new Set()).get(from)!;
    for (const target of to) if (path.dirname(target) !== from) edges.add(path.dirname(target));
  }
  expect(loops(graph)).toEqual([]);
});

test('the loop finder finds a loop of two and one of three', () => {
  const graph = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['a'])],
    ['c', new Set(['d'])],
    ['d', new Set(['e'])],
    ['e', new Set(['c'])],
    ['f', new Set(['a'])],
  ]);
  expect(loops(graph)).toEqual([
    ['a', 'b'],
    ['c', 'd', 'e'],
  ]);
});
