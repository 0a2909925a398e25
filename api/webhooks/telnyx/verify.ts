/**
 * Telnyx webhook signatures: Ed25519 over `${telnyx-timestamp}|${raw body}` (the bytes as received,
 * JSON or form), checked against the account's public key with a 5-minute window both ways.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** A 64-byte Ed25519 signature in standard, padded base64. */
const CANONICAL_SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;

/** Build a verifying key from the portal's base64 raw 32-byte public key. */
export function publicKeyFromBase64(raw: string): KeyObject {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length !== 32) throw new Error('Telnyx public key must decode to 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' });
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export function verifyTelnyxSignature(
  key: KeyObject,
  body: Uint8Array,
  signature: string | undefined,
  timestamp: string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): VerifyResult {
  if (!signature || !timestamp)
    return { ok: false, reason: 'missing telnyx-signature-ed25519 or telnyx-timestamp header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS)
    return { ok: false, reason: 'timestamp outside the 5-minute window' };
  // Canonical base64 only (86 characters and `==`, as Telnyx sends it): a lenient decoder would let
  // one captured signature be re-encoded (padding dropped, base64url, spaces) into "new" ones.
  if (!CANONICAL_SIGNATURE.test(signature)) return { ok: false, reason: 'malformed signature' };
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return { ok: false, reason: 'malformed signature' };
  const message = Buffer.concat([Buffer.from(`${timestamp}|`), body]);
  return verify(null, message, key, sig) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
