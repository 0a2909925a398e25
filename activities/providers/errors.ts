/** The one error every vendor adapter maps its failures to; `retryable` decides Temporal's retry. */
import { ApplicationFailure } from '@temporalio/common';

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly provider: string,
    readonly status?: number,
    /** Seconds the vendor asked us to wait (Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/**
 * Map an SDK/HTTP error to a ProviderError: 429, 5xx, timeouts and connection failures are retryable;
 * other 4xx and malformed responses are not. Never copies headers or request bodies (keys live there).
 */
export function toProviderError(provider: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as {
    status?: number;
    statusCode?: number;
    name?: string;
    message?: string;
    headers?: unknown;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e?.status ?? e?.statusCode ?? e?.$metadata?.httpStatusCode;
  const retryAfter = readRetryAfter(e?.headers);
  const text = `${provider}: ${status ? `HTTP ${status}: ` : ''}${String(e?.message ?? err).slice(0, 300)}`;
  if (status === 429 || (status !== undefined && status >= 500))
    return new ProviderError(text, true, provider, status, retryAfter);
  if (status !== undefined && status >= 400) return new ProviderError(text, false, provider, status);
  const transient = /timeout|timed out|ECONNRESET|ECONNREFUSED|EAI_AGAIN|socket hang up|fetch failed|network|aborted/i;
  if (transient.test(`${e?.name} ${e?.code} ${e?.message}`)) return new ProviderError(text, true, provider);
  return new ProviderError(text, false, provider);
}

function readRetryAfter(headers: unknown): number | undefined {
  if (!headers) return undefined;
  const value =
    typeof (headers as Headers).get === 'function'
      ? (headers as Headers).get('retry-after')
      : (headers as Record<string, string | undefined>)['retry-after'];
  const n = value ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Convert a ProviderError into the Temporal failure the retry policy understands:
 * non-retryable type for permanent errors, `nextRetryDelay` from Retry-After.
 */
export function asActivityFailure(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  if (!err.retryable) {
    return ApplicationFailure.create({ message: err.message, type: 'NonRetryableProviderError', nonRetryable: true });
  }
  return ApplicationFailure.create({
    message: err.message,
    type: 'RetryableProviderError',
    nextRetryDelay: err.retryAfterSeconds !== undefined ? `${Math.min(err.retryAfterSeconds, 300)}s` : undefined,
  });
}

/** Run a vendor call, mapping its failure for Temporal. */
export async function callProvider<T>(provider: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asActivityFailure(toProviderError(provider, err));
  }
}
