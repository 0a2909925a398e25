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
import { BlockList, isIP } from 'node:net';
import { ProviderError } from './providers/errors.js';

export interface DownloadPolicy {
  /** Host names (or suffixes: `amazonaws.com` allows `bucket.s3.amazonaws.com`) recordings may come from. */
  allowedHosts: readonly string[];
  /** S3 buckets recordings may come from (RECORDING_BUCKETS); unset: any bucket on an allowed S3 host. */
  allowedBuckets?: readonly string[];
  maxBytes: number;
  /** Idle time allowed between bytes. */
  timeoutMs?: number;
  /** The whole download, redirects included, ends by then (default 5 minutes). */
  deadlineMs?: number;
  maxRedirects?: number;
}

const refuse = (why: string) => new ProviderError(`recording-download: ${why}`, false, 'recording-download');
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * Every range that is not the public internet: loopback, private, carrier NAT, link-local,
 * documentation and benchmarking nets, IETF protocol assignments, multicast, reserved; in IPv6 also
 * the forms that carry an IPv4 address inside (IPv4-compatible, NAT64, 6to4, Teredo), site-local,
 * unique-local and discard-only.
 */
const internal = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const)
    list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [
    ['::', 96], // unspecified, loopback and IPv4-compatible
    ['64:ff9b::', 96], // NAT64
    ['64:ff9b:1::', 48], // local NAT64
    ['100::', 64], // discard-only
    ['2001::', 32], // Teredo
    ['2001:db8::', 32], // documentation
    ['2002::', 16], // 6to4
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['fec0::', 10], // site-local (deprecated, still routed by some)
    ['ff00::', 8], // multicast
  ] as const)
    list.addSubnet(net, bits, 'ipv6');
  return list;
})();

/** Whether an address is anything but the public internet (see `internal`). */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return internal.check(mapped[1]!, 'ipv4');
  const family = isIP(bare);
  if (family === 4) return internal.check(bare, 'ipv4');
  if (family === 6) return internal.check(bare, 'ipv6');
  return true; // not an address at all: never treat as public
}

const isLoopback = (address: string) => /^(?:::ffff:)?127\./.test(address) || address === '::1';

/** An S3 endpoint: `bucket.s3.amazonaws.com`, `s3.region.amazonaws.com`, `bucket.s3-region.amazonaws.com`, ... */
const S3_HOST = /(^|\.)s3([.-][a-z0-9-]+)*\.amazonaws\.com$/;

/** The bucket a URL names, virtual-hosted (`bucket.s3...`) or path-style (`s3.../bucket/key`). */
function bucketOf(url: URL, host: string): string {
  const virtual = /^(.+?)\.s3[.-]/.exec(host);
  return virtual ? virtual[1]! : (url.pathname.split('/')[1] ?? '');
}

/** The rules for one URL: scheme, host list. Returns whether the host is an explicitly allowed loopback one. */
function checkUrl(url: URL, policy: DownloadPolicy): { loopbackAllowed: boolean } {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const listed = policy.allowedHosts.some((h) => host === h.toLowerCase() || host.endsWith(`.${h.toLowerCase()}`));
  if (!listed) throw refuse(`host ${host} is not an allowed recording host (RECORDING_HOSTS)`);
  if (host.endsWith('.amazonaws.com') || host === 'amazonaws.com') {
    // Telnyx's links are pre-signed S3 URLs: no other AWS service, and only a signed link.
    if (!S3_HOST.test(host)) throw refuse(`host ${host} is not an S3 endpoint`);
    if (!url.searchParams.has('X-Amz-Signature') && !url.searchParams.has('Signature'))
      throw refuse('an S3 recording link must be pre-signed');
    if (policy.allowedBuckets?.length && !policy.allowedBuckets.includes(bucketOf(url, host)))
      throw refuse('the recording is not in an allowed bucket (RECORDING_BUCKETS)');
  }
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
  const deadline = Date.now() + (policy.deadlineMs ?? 5 * 60_000);
  const origin = url.origin;
  for (let hop = 0; ; hop++) {
    const { loopbackAllowed } = checkUrl(url, policy);
    // A redirect may not wander to another port or service of this machine.
    if (hop > 0 && loopbackAllowed && url.origin !== origin) throw refuse('a redirect to another local service');
    if (Date.now() > deadline)
      throw new ProviderError('recording-download: deadline passed', true, 'recording-download');
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
    // However slowly the bytes trickle in, the download ends at the deadline.
    const overall = setTimeout(
      () => res.destroy(Object.assign(new Error('recording download passed its deadline'), { code: 'ETIMEDOUT' })),
      Math.max(1, deadline - Date.now()),
    );
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
    } finally {
      clearTimeout(overall);
    }
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    return { bytes: new Uint8Array(Buffer.concat(chunks)), contentType };
  }
}
