// A directory of ring-buffer pages captured by test/fixtures/make-trace-raw-fixtures.sh (cpuN.bin, the
// events' format files, header_page), decoded as the tracer decodes them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePageLayout } from '../../harness/observe/event-format.ts';
import { decoderOf, type Decoded } from '../../harness/observe/state-change.ts';
import { readPage, type PageRead } from '../../harness/observe/trace-page.ts';

export function traceFixture(name: string) {
  const dir = path.join(import.meta.dirname, '../fixtures', name);
  const files = readdirSync(dir).sort();
  const formats = files.filter((file) => file.endsWith('.format')).map((file) => readFileSync(path.join(dir, file), 'utf8'));
  const layout = parsePageLayout(readFileSync(path.join(dir, 'header_page'), 'utf8'));
  const decode = decoderOf(formats);
  /** Each CPU's pages, in CPU order. */
  const pages = files
    .filter((file) => file.endsWith('.bin'))
    .flatMap((file) => {
      const bytes = readFileSync(path.join(dir, file));
      return Array.from({ length: bytes.length / layout.pageSize }, (_, i) => bytes.subarray(i * layout.pageSize, (i + 1) * layout.pageSize));
    });
  const decodePage = (page: Buffer): { read: PageRead; decoded: Decoded[] } => {
    const decoded: Decoded[] = [];
    const read = readPage(page, layout, (timeNs, at, length) => decoded.push(decode(page, at, length, timeNs)));
    return { read, decoded };
  };
  return { formats, layout, pages, decodePage };
}
