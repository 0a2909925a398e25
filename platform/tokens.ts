/** Secret tokens compared in constant time (API bearer tokens, the worker's metrics token). */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether a presented token is one of `tokens` (constant time per token). */
export function tokenMatcher(tokens: readonly string[]) {
  const digests = tokens.map(digest);
  return (presented: string | undefined) => {
    if (!presented) return false;
    const d = digest(presented);
    return digests.some((t) => timingSafeEqual(t, d));
  };
}

/** The stored form of a media-stream token (only its SHA-256 is kept). */
export const streamTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** A single-use media-stream token (256 random bits) and its stored hash. */
export function newStreamToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: streamTokenHash(token) };
}
