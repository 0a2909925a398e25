/** Where recordings live once copied out of Telnyx's 10-minute URL window. Local folder by default. */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';

export interface BlobStore {
  readonly name: string;
  /** Store bytes under a key (atomically: a retry never leaves half a file); returns the location. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<string>;
  get(location: string): Promise<Buffer>;
  /**
   * Bytes `start` to `end` (inclusive) of a stored object as a stream, for players: nothing
   * before `start` is read and nothing is buffered whole.
   */
  stream(location: string, range: { start: number; end: number }): Promise<ReadableStream<Uint8Array>>;
  /** Remove a stored object; removing one that is gone is not an error. */
  delete(location: string): Promise<void>;
}

export function createLocalBlobStore(root: string): BlobStore {
  const resolve = (key: string) => {
    const full = path.resolve(root, key);
    if (!full.startsWith(path.resolve(root) + path.sep)) throw new Error(`blob key escapes the store: ${key}`);
    return full;
  };
  return {
    name: 'local',
    async put(key, bytes) {
      const full = resolve(key);
      await mkdir(path.dirname(full), { recursive: true, mode: 0o700 });
      // Unique per write: processes sharing the folder (containers on one volume, each its own pid 1)
      // or a retried copy still running must never write into, or rename away, each other's file.
      const tmp = `${full}.${randomUUID()}.partial`;
      try {
        // Recordings are for the owner only.
        await writeFile(tmp, bytes, { mode: 0o600 });
        await rename(tmp, full);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return `file://${key}`;
    },
    async get(location) {
      if (!location.startsWith('file://')) throw new Error(`not a local blob: ${location.slice(0, 40)}`);
      return readFile(resolve(location.slice('file://'.length)));
    },
    async stream(location, { start, end }) {
      if (!location.startsWith('file://')) throw new Error(`not a local blob: ${location.slice(0, 40)}`);
      // Opened first so a missing file is an error here, not in the middle of a response.
      // The handle's own stream closes it when the stream ends or the client goes away.
      const file = await open(resolve(location.slice('file://'.length)));
      return Readable.toWeb(file.createReadStream({ start, end })) as ReadableStream<Uint8Array>;
    },
    async delete(location) {
      if (!location.startsWith('file://')) throw new Error(`not a local blob: ${location.slice(0, 40)}`);
      await rm(resolve(location.slice('file://'.length)), { force: true });
    },
  };
}
