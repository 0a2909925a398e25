/** Secret tokens compared in constant time (API bearer tokens, the worker's metrics token). */
import { createHash, timingSafeEqual } from 'node:crypto';

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
