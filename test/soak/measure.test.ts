// What the soak reads about its own process: open file descriptors by kind, and its marked children.
import { open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { markDescendants, markedProcesses, openFds } from '../../harness/soak/measure.ts';

test('an open file counts under its path, and still under it once the file is deleted', async () => {
  const file = path.join(os.tmpdir(), `twlab-soak-fd-${process.pid}`);
  const before = await openFds();
  const handle = await open(file, 'w');
  try {
    expect((await openFds())[file]).toBe(1);
    await rm(file);
    // /proc/self/fd now says `<path> (deleted)`: the same descriptor, so the same kind.
    const after = await openFds();
    expect(after[file]).toBe(1);
    expect(Object.keys(after).filter((kind) => kind.endsWith('(deleted)'))).toEqual([]);
  } finally {
    await handle.close();
  }
  expect(await openFds()).toEqual(before);
});

test('a process started after markDescendants() is found by its marker until it ends', async () => {
  markDescendants();
  const child = execa('sleep', ['30']);
  try {
    expect(await markedProcesses()).toEqual([child.pid]);
  } finally {
    child.kill();
    await child.catch(() => {});
  }
  expect(await markedProcesses()).toEqual([]);
});
