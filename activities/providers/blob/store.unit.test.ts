/** The local recording store: writes are atomic, and concurrent writers of one key never collide. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchPath } from '../../../test/scratch.js';
import { createLocalBlobStore } from './store.js';

describe('local blob store', () => {
  it('takes two writes of one key at once (a retried copy still running): both succeed, one whole file stays', async () => {
    const root = scratchPath('blobs');
    const store = createLocalBlobStore(root);
    const big = Buffer.alloc(4 * 1024 * 1024, 'a');
    const small = Buffer.from('bbbbbbbbbb');
    const [a, b] = await Promise.all([
      store.put('calls/one.wav', big, 'audio/wav'),
      store.put('calls/one.wav', small, 'audio/wav'),
    ]);
    expect(a).toBe('file://calls/one.wav');
    expect(b).toBe(a);
    const stored = await readFile(path.join(root, 'calls', 'one.wav'));
    expect(stored.equals(big) || stored.equals(small)).toBe(true);
    expect(await readdir(path.join(root, 'calls'))).toEqual(['one.wav']); // no partial file left
    expect((await store.get(a)).length).toBe(stored.length);
  });
});
