/** Recordings in any S3-compatible store (AWS S3, MinIO, R2) through the official AWS SDK. */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { toProviderError } from '../errors.js';
import type { BlobStore } from './store.js';

export interface S3Options {
  bucket: string;
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  prefix: string;
  forcePathStyle: boolean;
}

export function createS3BlobStore(o: S3Options): BlobStore {
  const client = new S3Client({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle,
    ...(o.accessKeyId && o.secretAccessKey
      ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } }
      : {}),
    maxAttempts: 1,
  });
  const scheme = `s3://${o.bucket}/`;
  return {
    name: 's3',
    async put(key, bytes, contentType) {
      const objectKey = `${o.prefix}${key}`;
      try {
        // One PUT replaces the object whole: a retried put never leaves half a recording.
        await client.send(
          new PutObjectCommand({
            Bucket: o.bucket,
            Key: objectKey,
            Body: bytes,
            ContentType: contentType,
            ContentLength: bytes.length,
          }),
        );
      } catch (err) {
        throw toProviderError('s3', err);
      }
      return `${scheme}${objectKey}`;
    },
    async get(location) {
      if (!location.startsWith(scheme)) throw new Error(`not in bucket ${o.bucket}: ${location.slice(0, 60)}`);
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: location.slice(scheme.length) }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        throw toProviderError('s3', err);
      }
    },
    async stream(location, { start, end }) {
      if (!location.startsWith(scheme)) throw new Error(`not in bucket ${o.bucket}: ${location.slice(0, 60)}`);
      try {
        const res = await client.send(
          new GetObjectCommand({
            Bucket: o.bucket,
            Key: location.slice(scheme.length),
            Range: `bytes=${start}-${end}`,
          }),
        );
        return res.Body!.transformToWebStream() as ReadableStream<Uint8Array>;
      } catch (err) {
        throw toProviderError('s3', err);
      }
    },
    async delete(location) {
      if (!location.startsWith(scheme)) throw new Error(`not in bucket ${o.bucket}: ${location.slice(0, 60)}`);
      try {
        // S3 answers 204 for a key that is already gone: deleting twice is fine.
        await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: location.slice(scheme.length) }));
      } catch (err) {
        throw toProviderError('s3', err);
      }
    },
  };
}
