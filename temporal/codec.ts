/**
 * Workflow history without personal data in clear: every payload (signal and activity inputs and
 * results, queries, failures' messages and stack traces) is encrypted with AES-256-GCM before it
 * leaves the process, so the Temporal server, its database and the UI without the codec see only
 * ciphertext. Several keys are accepted for decryption (each payload names its key id), the first
 * encrypts: rotate by putting a new key first and keeping the old ones until their histories age out.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  DefaultFailureConverter,
  type LoadedDataConverter,
  type Payload,
  type PayloadCodec,
  type SerializationContext,
} from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
/** The workflow a payload was written for (in clear: workflow ids carry no personal data). */
const BOUND_TO = 'bound-workflow-id';
const boundData = (workflowId: string) => Buffer.from(`command-center workflow\0${workflowId}`);
/** A schedule's runs are its action's workflow id plus `-<start time>` (Temporal's naming). */
const sameWorkflow = (bound: string, reader: string) =>
  reader === bound ||
  (reader.startsWith(`${bound}-`) && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(reader.slice(bound.length + 1)));
const utf8 = (s: string) => new TextEncoder().encode(s);

export interface CodecKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** Parse `id:base64key,id2:base64key2` (the first encrypts). */
export function parseCodecKeys(spec: string): CodecKey[] {
  const keys = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [id, b64] = part.split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (!id || !/^[A-Za-z0-9_.-]{1,64}$/.test(id) || key.length !== 32)
        throw new Error('each key must be `<id>:<base64 of 32 random bytes>`');
      return { id, key };
    });
  if (keys.length === 0) throw new Error('no key given');
  return keys;
}

/** A secret for another purpose (naming greeting audio), derived from the encryption key. */
export function derivedKey(keys: CodecKey[], purpose: string): Buffer {
  return createHmac('sha256', keys[0]!.key).update(`command-center:${purpose}`).digest();
}

/** A new key spec for `TEMPORAL_CODEC_KEYS`. */
export const newCodecKeySpec = (id = `k${Date.now().toString(36)}`) => `${id}:${randomBytes(32).toString('base64')}`;

/** The payload as bytes (its metadata and data, so both are encrypted together). */
function serialise(p: Payload): Uint8Array {
  const metadata = Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  );
  return utf8(JSON.stringify({ m: metadata, d: Buffer.from(p.data ?? new Uint8Array()).toString('base64') }));
}

function deserialise(bytes: Uint8Array): Payload {
  const o = JSON.parse(Buffer.from(bytes).toString('utf8')) as { m: Record<string, string>; d: string };
  return {
    metadata: Object.fromEntries(Object.entries(o.m).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(o.d, 'base64')),
  };
}

/** Why a payload that is not encrypted is refused (and how to read histories from before the codec). */
export const PLAINTEXT_REFUSED =
  'refused a payload that is not encrypted (anyone who reaches Temporal can write one); to replay histories from before the codec, set TEMPORAL_CODEC_ALLOW_PLAINTEXT=true for one release';

/**
 * AES-256-GCM payload codec. Fails closed: a payload that is not encrypted is refused (a forged
 * signal or start from anyone who reaches the Temporal frontend), unless `allowPlaintext` is set
 * for one release to read histories recorded before the codec.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  constructor(
    readonly keys: CodecKey[],
    private readonly o: { allowPlaintext?: boolean } = {},
  ) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /**
   * Encrypt each payload. With the SDK's serialization context, the payload is bound to its
   * workflow: the workflow id goes into the envelope (ids carry no personal data) and into the
   * cipher's authenticated data, so a payload copied into another workflow is refused on decode.
   */
  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    const workflowId = context?.workflowId;
    return payloads.map((p) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      if (workflowId) cipher.setAAD(boundData(workflowId));
      const body = Buffer.concat([cipher.update(serialise(p)), cipher.final()]);
      return {
        metadata: {
          encoding: utf8(ENCRYPTED_ENCODING),
          [KEY_ID]: utf8(id),
          ...(workflowId ? { [BOUND_TO]: utf8(workflowId) } : {}),
        },
        data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString() : '';
      if (encoding !== ENCRYPTED_ENCODING) {
        if (this.o.allowPlaintext) return p;
        throw new Error(PLAINTEXT_REFUSED);
      }
      const id = Buffer.from(p.metadata?.[KEY_ID] ?? new Uint8Array()).toString();
      const key = this.byId.get(id);
      if (!key) throw new Error(`payload encrypted with key "${id}", which is not among TEMPORAL_CODEC_KEYS`);
      const bound = p.metadata?.[BOUND_TO] ? Buffer.from(p.metadata[BOUND_TO]).toString() : undefined;
      // Where the SDK says which workflow reads the payload, it must be the one it was written for
      // (a scheduled run's id is the schedule's action id plus its start time). The UI's codec
      // requests name no workflow: they are checked by the key and the authenticated id alone.
      if (bound && context?.workflowId && !sameWorkflow(bound, context.workflowId))
        throw new Error('refused a payload written for another workflow');
      const data = Buffer.from(p.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      if (bound) decipher.setAAD(boundData(bound));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return deserialise(Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]));
    });
  }
}

/**
 * The data converter every client and worker of this project uses: the codec, and failures whose
 * message and stack trace go through it too (they can quote personal data).
 */
export function dataConverterFor(codec: PayloadCodec | undefined): {
  payloadCodecs?: PayloadCodec[];
  failureConverter?: DefaultFailureConverter;
} {
  if (!codec) return {};
  return { payloadCodecs: [codec], failureConverter: new DefaultFailureConverter({ encodeCommonAttributes: true }) };
}

export type { LoadedDataConverter };
