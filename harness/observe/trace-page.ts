// One page of a tracing ring buffer as `per_cpu/cpuN/trace_pipe_raw` gives it, walked event by
// event (kernel Documentation/trace/ring-buffer-design.rst, include/linux/ring_buffer.h; read as
// libtraceevent's kbuffer-parse.c reads it). The page: a u64 time stamp (the clock of the instance's
// trace_clock, in ns), a commit word (the data's length; bit 31: events were lost before this page,
// bit 30: their count is stored after the data), then the data. Each entry starts with 32 bits,
// type_len (5) and time_delta (27): type_len 1 to 28 is a record of type_len x 4 bytes; 0 a record
// whose length is the next word; 29 padding (time_delta 0: the rest of the page is empty); 30 a time
// extend (the next word << 27 added to time_delta); 31 an absolute time stamp. The offsets come from
// `events/header_page` (./event-format.ts).
import os from 'node:os';
import type { PageLayout } from './event-format.ts';

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
const TS_SHIFT = 2 ** 27;
const MISSED_EVENTS = 2 ** 31;
const MISSED_STORED = 2 ** 30;
const COMMIT_MASK = 2 ** 27 - 1;
// The ring buffer is written in the machine's own byte order, its bit fields too (type_len is the low
// bits on a little-endian machine, the high ones on a big-endian one).
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Called for each record: its time (ns of the trace clock), where its bytes start in the page, how many. */
export type OnRecord = (timeNs: number, offset: number, length: number) => void;

export interface PageRead {
  /** Records the kernel dropped before this page (a reader too slow); 1 when it says some were but not how many. */
  lost: number;
  /** Why the page could not be walked to its end, or null. */
  malformed: string | null;
}

const u32 = (page: Buffer, at: number) => (LITTLE_ENDIAN ? page.readUInt32LE(at) : page.readUInt32BE(at));
/** A word of 4 or 8 bytes, as a number (the commit word and the lost count fit in 53 bits). */
const word = (page: Buffer, at: number, size: number) =>
  size === 4 ? u32(page, at) : Number(LITTLE_ENDIAN ? page.readBigUInt64LE(at) : page.readBigUInt64BE(at));

/** Walks one page (`page` holds exactly one, as a read of trace_pipe_raw returns it) and hands over its records in order. */
export function readPage(page: Buffer, layout: PageLayout, onRecord: OnRecord): PageRead {
  if (page.length < layout.dataOffset) return { lost: 0, malformed: `a page of ${page.length} bytes, shorter than its header (${layout.dataOffset})` };
  const commit = word(page, layout.commitOffset, layout.commitSize);
  const size = commit % 2 ** 32 & COMMIT_MASK;
  const end = layout.dataOffset + size;
  if (end > page.length) return { lost: 0, malformed: `a page whose data is ${size} bytes, longer than the ${page.length - layout.dataOffset} read` };
  const flags = commit % 2 ** 32;
  const missed = flags >= MISSED_EVENTS;
  const stored = missed && (flags - MISSED_EVENTS) >= MISSED_STORED && end + layout.commitSize <= page.length;
  const lost = stored ? word(page, end, layout.commitSize) : missed ? 1 : 0;
  let time = Number(LITTLE_ENDIAN ? page.readBigUInt64LE(layout.timestampOffset) : page.readBigUInt64BE(layout.timestampOffset));
  let at = layout.dataOffset;
  while (at + 4 <= end) {
    const header = u32(page, at);
    const typeLen = LITTLE_ENDIAN ? header & 0x1f : header >>> 27;
    const delta = LITTLE_ENDIAN ? header >>> 5 : header & 0x7ffffff;
    if (typeLen === TYPE_PADDING) {
      if (delta === 0) break; // the rest of the page is empty
      // A discarded record: its length in the next word; the kernel's reader keeps the time as it is.
      if (at + 8 > end) return { lost, malformed: 'padding cut short at the end of the page' };
      at += 4 + u32(page, at + 4);
      continue;
    }
    if (typeLen === TYPE_TIME_EXTEND || typeLen === TYPE_TIME_STAMP) {
      if (at + 8 > end) return { lost, malformed: 'a time stamp cut short at the end of the page' };
      const value = u32(page, at + 4) * TS_SHIFT + delta;
      time = typeLen === TYPE_TIME_EXTEND ? time + value : value;
      at += 8;
      continue;
    }
    let start = at + 4;
    let length = typeLen * 4;
    if (typeLen === 0) {
      if (at + 8 > end) return { lost, malformed: 'a record\'s length cut short at the end of the page' };
      length = (u32(page, at + 4) - 4 + 3) & ~3;
      start = at + 8;
    }
    if (length <= 0 || start + length > end) return { lost, malformed: `a record of ${length} bytes at ${at - layout.dataOffset} that runs past the page's ${size} bytes of data` };
    time += delta;
    onRecord(time, start, length);
    at = start + length;
  }
  return { lost, malformed: null };
}
