/**
 * Embedded-mode secrets kept in the data folder (mode 0600): the generated API token and the
 * development Ed25519 key pair (the app verifies with the public half, the simulator signs with
 * the private half). Production supplies API_TOKENS and TELNYX_PUBLIC_KEY instead.
 */
import { generateKeyPairSync, randomBytes, createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { newCodecKeySpec } from '../temporal/codec.js';
import path from 'node:path';

async function readOrCreate(file: string, create: () => string): Promise<{ value: string; created: boolean }> {
  try {
    return { value: (await readFile(file, 'utf8')).trim(), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(path.dirname(file), { recursive: true });
    const value = create();
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  }
}

/** The embedded API token: generated once, then reused. */
export function embeddedApiToken(dataDir: string) {
  return readOrCreate(path.join(dataDir, 'api-token'), () => `cc_${randomBytes(24).toString('base64url')}`);
}

export interface DevKeyPair {
  publicKeyBase64: string;
  privateKey: KeyObject;
}

/** The development webhook key pair: generated once, then reused. */
export async function devTelnyxKeyPair(dataDir: string): Promise<DevKeyPair> {
  const { value } = await readOrCreate(path.join(dataDir, 'telnyx-dev-key.pem'), () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  });
  const privateKey = createPrivateKey(value);
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string };
  return { publicKeyBase64: Buffer.from(jwk.x, 'base64url').toString('base64'), privateKey };
}

/** The embedded payload codec key (TEMPORAL_CODEC_KEYS format): generated once, then reused. */
export function embeddedCodecKeys(dataDir: string) {
  return readOrCreate(path.join(dataDir, 'codec-keys'), () => newCodecKeySpec('embedded'));
}

/** A throwaway webhook key pair (tests and benchmarks sign with it; nothing is written). */
export function devKeys(): DevKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from((publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url').toString('base64');
  return { privateKey, publicKeyBase64: raw };
}
