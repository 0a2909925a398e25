/** Recordings in any S3-compatible store (AWS S3, MinIO, R2) through the official AWS SDK. */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
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
    /**
     * Gone for good: in a versioned bucket (the runbook's backup advice) every version and delete
     * marker of the key is deleted, not only the current object, so an erased recording does not
     * live on as a noncurrent version. Deleting twice is fine (S3 answers 204 for what is gone).
     */
    async delete(location) {
      if (!location.startsWith(scheme)) throw new Error(`not in bucket ${o.bucket}: ${location.slice(0, 60)}`);
      const Key = location.slice(scheme.length);
      try {
        let found = 0;
        let keyMarker: string | undefined;
        let versionIdMarker: string | undefined;
        for (;;) {
          const page = await client.send(
            new ListObjectVersionsCommand({
              Bucket: o.bucket,
              Prefix: Key,
              KeyMarker: keyMarker,
              VersionIdMarker: versionIdMarker,
            }),
          );
          const all = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key === Key);
          for (const v of all)
            await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key, VersionId: v.VersionId }));
          found += all.length;
          if (!page.IsTruncated) break;
          keyMarker = page.NextKeyMarker;
          versionIdMarker = page.NextVersionIdMarker;
        }
        // A store that lists no versions: the object itself (in a versioned bucket this would only
        // add a delete marker, so it is not sent when versions were found and deleted).
        if (found === 0) await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key }));
      } catch (err) {
        throw toProviderError('s3', err);
      }
    },
  };
}
