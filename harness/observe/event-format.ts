// The layouts tracefs describes in text, read where they enter the lab: an event's `format` file
// (its ID and each field's offset and size in the binary record) and `events/header_page` (where a
// ring-buffer page's time stamp, commit word and data are). The tracer reads both when it starts, so
// no offset is assumed: a kernel whose layout differs is read by its own description, or refused
// with a line that says which field is missing.
import { LabError } from '../shared/errors.ts';

export interface Field {
  offset: number;
  size: number;
}

export interface EventFormat {
  name: string;
  /** The number the ring buffer's records carry in `common_type`. */
  id: number;
  fields: Map<string, Field>;
}

export interface PageLayout {
  /** Where the page's u64 time stamp, its commit word (length of the data and the missed-events flags) and its data start. */
  timestampOffset: number;
  commitOffset: number;
  commitSize: number;
  dataOffset: number;
  /** The whole page: the data's offset and size. */
  pageSize: number;
}

// `\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;` (kernel/trace/trace_events.c, f_show);
// header_page writes `field: u64 timestamp;` with a space (ring_buffer_print_page_header).
const FIELD = /^\s*field:\s*(.*?)\s*;\s*offset:(\d+);\s*size:(\d+);/;

/** The fields of a format text: the declaration's last word is the name (`__u8 saddr[4]` is `saddr`). */
function fieldsOf(text: string): Map<string, Field> {
  const fields = new Map<string, Field>();
  for (const line of text.split('\n')) {
    const match = FIELD.exec(line);
    if (!match) continue;
    const name = /(\w+)(?:\[\d*\])?$/.exec(match[1]!)?.[1];
    if (name) fields.set(name, { offset: Number(match[2]), size: Number(match[3]) });
  }
  return fields;
}

/** An event's `format` file. */
export function parseEventFormat(text: string): EventFormat {
  const name = /^name: (\S+)$/m.exec(text)?.[1];
  const id = /^ID: (\d+)$/m.exec(text)?.[1];
  if (!name || !id) throw new LabError('a tracepoint\'s format file has no "name:" or "ID:" line: this kernel describes its events in a way the lab does not read');
  return { name, id: Number(id), fields: fieldsOf(text) };
}

/** Checks that `format` has each field the reader needs (`required`: name and size), or says which is missing. */
export function checkFields(format: EventFormat, required: Readonly<Record<string, number>>): EventFormat {
  for (const [field, size] of Object.entries(required)) {
    const found = format.fields.get(field);
    if (!found) throw new LabError(`the tracepoint ${format.name} has no field ${field} on this kernel (its format file lists ${[...format.fields.keys()].join(', ')})`);
    if (found.size !== size) throw new LabError(`the tracepoint ${format.name}'s field ${field} is ${found.size} bytes on this kernel, the lab reads ${size}`);
  }
  return format;
}

/** `events/header_page`: the fields timestamp, commit and data. */
export function parsePageLayout(text: string): PageLayout {
  const fields = fieldsOf(text);
  const [timestamp, commit, data] = ['timestamp', 'commit', 'data'].map((name) => fields.get(name));
  if (!timestamp || !commit || !data || timestamp.size !== 8 || (commit.size !== 4 && commit.size !== 8)) {
    throw new LabError('events/header_page does not describe a page as the lab reads it (a u64 timestamp, a commit word of 4 or 8 bytes, then data)');
  }
  return { timestampOffset: timestamp.offset, commitOffset: commit.offset, commitSize: commit.size, dataOffset: data.offset, pageSize: data.offset + data.size };
}
