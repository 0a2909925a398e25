/**
 * Copies a recording from the URL a webhook named, and nothing else: https to the configured
 * recording hosts only (Telnyx's pre-signed S3 links by default), every redirect checked against
 * the same rules, private and link-local addresses refused after DNS resolution (at connect time,
 * so a name cannot be rebound between check and use), and the body counted as it streams, so an
 * oversized file is cut off at the cap instead of read whole. A signed webhook is needed to get
 * here; this is what limits the damage if the signing key ever leaks.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { ProviderError } from './providers/errors.js';

export interface DownloadPolicy {
  /** Host names (or suffixes: `amazonaws.com` allows `bucket.s3.amazonaws.com`) recordings may come from. */
  allowedHosts: readonly string[];
  maxBytes: number;
  timeoutMs?: number;
  maxRedirects?: number;
}

const refuse = (why: string) => new ProviderError(`recording-download: ${why}`, false, 'recording-download');
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Whether an address is loopback, private, link-local, carrier NAT, multicast or unspecified. */
export function isInternalAddress(address: string): boolean {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(address);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = address.toLowerCase();
  return (
    v6 === '::' ||
    v6 === '::1' ||
    v6.startsWith('fc') ||
    v6.startsWith('fd') ||
    v6.startsWith('fe8') ||
    v6.startsWith('fe9') ||
    v6.startsWith('fea') ||
    v6.startsWith('feb') ||
    v6.startsWith('ff')
  );
}

const isLoopback = (address: string) => /^(?:::ffff:)?127\./.test(address) || address === '::1';

/** The rules for one URL: scheme, host list. Returns whether the host is an explicitly allowed loopback one. */
function checkUrl(url: URL, policy: DownloadPolicy): { loopbackAllowed: boolean } {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const listed = policy.allowedHosts.some((h) => host === h.toLowerCase() || host.endsWith(`.${h.toLowerCase()}`));
  if (!listed) throw refuse(`host ${host} is not an allowed recording host (RECORDING_HOSTS)`);
  const loopbackAllowed = LOOPBACK_NAMES.has(host) || isLoopback(host);
  // Plain http only to a loopback host someone listed on purpose (the simulator, tests).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackAllowed))
    throw refuse(`scheme ${url.protocol} is not allowed; recordings come over https`);
  if (url.username || url.password) throw refuse('URLs with credentials are not allowed');
  return { loopbackAllowed };
}

/** A DNS lookup that refuses internal addresses (except loopback for an explicitly listed loopback host). */
function guardedLookup(loopbackAllowed: boolean) {
  return (
    hostname: string,
    options: object,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, []);
      const bad = addresses.find((a) => isInternalAddress(a.address) && !(loopbackAllowed && isLoopback(a.address)));
      if (bad) return callback(refuse(`${hostname} resolves to an internal address`), []);
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function get(url: URL, loopbackAllowed: boolean, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const literal = isIP(url.hostname.replace(/^\[|\]$/g, ''));
    if (
      literal &&
      isInternalAddress(url.hostname.replace(/^\[|\]$/g, '')) &&
      !(loopbackAllowed && isLoopback(url.hostname.replace(/^\[|\]$/g, '')))
    ) {
      return reject(refuse('the recording URL names an internal address'));
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      { method: 'GET', lookup: guardedLookup(loopbackAllowed) as never, timeout: timeoutMs },
      resolve,
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('recording download timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Download a recording under `policy`. Refusals (URL, host, address, size, type) are not
 * retryable; timeouts, connection failures and 5xx are.
 */
export async function downloadRecording(
  rawUrl: string,
  policy: DownloadPolicy,
): Promise<{ bytes: Uint8Array; contentType: string }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw refuse('the recording URL is not a URL');
  }
  const timeoutMs = policy.timeoutMs ?? 90_000;
  for (let hop = 0; ; hop++) {
    const { loopbackAllowed } = checkUrl(url, policy);
    let res: IncomingMessage;
    try {
      res = await get(url, loopbackAllowed, timeoutMs);
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError(`recording-download: ${(err as Error).message}`, true, 'recording-download');
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= (policy.maxRedirects ?? 3)) throw refuse('too many redirects');
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new ProviderError(
        `recording-download: HTTP ${status}`,
        status === 429 || status >= 500,
        'recording-download',
        status,
      );
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > policy.maxBytes) {
      res.destroy();
      throw refuse(`recording is ${declared} bytes, over the ${policy.maxBytes} limit`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res) {
        total += (chunk as Buffer).length;
        if (total > policy.maxBytes) {
          res.destroy();
          throw refuse(`recording is over the ${policy.maxBytes} byte limit`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError(`recording-download: ${(err as Error).message}`, true, 'recording-download');
    }
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    return { bytes: new Uint8Array(Buffer.concat(chunks)), contentType };
  }
}
