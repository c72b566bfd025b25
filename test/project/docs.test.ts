// The README and docs/ stay true and findable: a README whose first screen runs the lab and shows
// what the lab prints, every page of docs/ linked from it, every relative link resolving, every npm
// script and every dependency explained.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatResultTable } from '../../harness/output/result-table.ts';
import { formatScenarioList } from '../../harness/output/scenario-list.ts';
import { figureLabel } from '../../harness/result/figures.ts';
import type { Result } from '../../harness/result/schema.ts';
import { loadAllScenarios } from '../../harness/scenario/catalog.ts';
import { ROOT } from '../support/helpers.ts';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const readme = read('README.md');
const docs = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The code blocks of a markdown text, with their language. */
const codeBlocks = (text: string) => [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replaceAll(' ', '-');

describe('README.md', () => {
  test('is at most 15,000 bytes', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15_000);
  });

  test('its first screen (40 lines) says what it needs and runs the lab', () => {
    const first = readme.split('\n').slice(0, 40).join('\n');
    expect(first).toMatch(/\bss\b/);
    expect(codeBlocks(first).find((b) => b.lang === 'sh')?.body.trim().split('\n')).toEqual(['npm ci', 'npm run scenario no-body-close']);
  });

  test('shows the rows of the table the lab prints, in its order', () => {
    const rowLabels = (table: string) => [...table.matchAll(/^│ (\S[^│]*?) +│/gm)].map((m) => m[1]!.trim());
    const shown = rowLabels(codeBlocks(readme).find((b) => b.body.includes(figureLabel('connectionsOpened')))!.body);
    const example = JSON.parse(read('results/examples/no-body-close.json')) as Result;
    expect(shown).toEqual(rowLabels(formatResultTable(example)));
  });

  test('shows the catalogue as --list prints it', async () => {
    const list = codeBlocks(readme).find((b) => b.body.startsWith('Scenarios (run one with'))!.body;
    expect(list.trim().split('\n').slice(1).join('\n')).toBe(formatScenarioList(await loadAllScenarios()));
  });

  test('links every page of docs/', () => {
    for (const doc of docs) expect(readme, doc).toContain(`](${doc})`);
  });
});

describe('README.md and docs/', () => {
  test('every relative link points to a file that exists, and to a heading it has', () => {
    for (const file of ['README.md', ...docs]) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [where, hash] = target!.split('#') as [string, string | undefined];
        const linked = where === '' ? file : path.join(path.dirname(file), where);
        expect(() => read(linked), `${file}: ${target}`).not.toThrow();
        if (hash) {
          const headings = [...read(linked).matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!));
          expect(headings, `${file}: ${target}`).toContain(hash);
        }
      }
    }
  });

  test('every npm script a user runs is explained', () => {
    const text = [readme, ...docs.map(read)].join('\n');
    for (const script of Object.keys(pkg.scripts).filter((s) => !['test', 'typecheck'].includes(s))) {
      expect(text, script).toContain(`npm run ${script}`);
    }
  });

  test('docs/dependencies.md names every dependency and devDependency', () => {
    const page = read('docs/dependencies.md');
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) expect(page, name).toContain(`\`${name}\``);
  });
});
