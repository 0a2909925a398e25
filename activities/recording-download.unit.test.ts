/** The recording downloader refuses what is not a recording from an allowed host, before reading it whole. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadRecording, isInternalAddress } from './recording-download.js';

let server: Server;
let base: string;
let bytesServed = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok.wav') {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      return res.end(Buffer.alloc(1000, 1));
    }
    if (req.url === '/endless') {
      // No Content-Length: 64 KiB chunks for as long as the client reads.
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const chunk = Buffer.alloc(64 * 1024, 2);
      const pump = () => {
        while (bytesServed < 64 * 1024 * 1024) {
          bytesServed += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      return pump();
    }
    if (req.url === '/to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return res.end();
    }
    if (req.url === '/to-other-port') {
      res.writeHead(302, { location: 'http://127.0.0.1:9/private' });
      return res.end();
    }
    if (req.url === '/trickle') {
      // A byte every 100 ms: never idle long enough for the idle timeout, endless all the same.
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const t = setInterval(() => res.write(Buffer.alloc(1, 3)), 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (req.url === '/to-ok') {
      res.writeHead(302, { location: '/ok.wav' });
      return res.end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const policy = { allowedHosts: ['127.0.0.1', 'amazonaws.com'], maxBytes: 1024 * 1024 };

describe('recording download', () => {
  it('copies a recording from an allowed host, following a redirect that stays within the rules', async () => {
    const got = await downloadRecording(`${base}/to-ok`, policy);
    expect(got.bytes.length).toBe(1000);
    expect(got.contentType).toBe('audio/wav');
  });

  it('refuses other schemes, unlisted hosts, credentials and internal addresses, as not retryable', async () => {
    for (const url of [
      'data:audio/wav;base64,AAAA',
      'file:///etc/passwd',
      'gopher://127.0.0.1:70/x',
      'ftp://s3.amazonaws.com/x.wav',
      'http://s3.amazonaws.com/x.wav',
      'https://example.org/x.wav',
      'https://user:pw@s3.amazonaws.com/x.wav',
      'not a url',
    ]) {
      await expect(downloadRecording(url, policy), url).rejects.toMatchObject({ retryable: false });
    }
    await expect(
      downloadRecording(`${base}/ok.wav`, { ...policy, allowedHosts: ['amazonaws.com'] }),
    ).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/not an allowed recording host/) });
  });

  it('checks every redirect hop: a 302 to the cloud metadata address is refused', async () => {
    await expect(
      downloadRecording(`${base}/to-metadata`, {
        ...policy,
        allowedHosts: [...policy.allowedHosts, '169.254.169.254'],
      }),
    ).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/internal address|https/) });
    await expect(downloadRecording(`${base}/to-metadata`, policy)).rejects.toMatchObject({ retryable: false });
  });

  it('cuts an oversized body off at the cap instead of reading it whole', async () => {
    bytesServed = 0;
    await expect(downloadRecording(`${base}/endless`, policy)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/over the 1048576 byte limit/),
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(bytesServed).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a redirect to another port of this machine, and ends a trickling download at its deadline', async () => {
    await expect(downloadRecording(`${base}/to-other-port`, policy)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/another local service/),
    });
    const started = Date.now();
    await expect(
      downloadRecording(`${base}/trickle`, { ...policy, timeoutMs: 10_000, deadlineMs: 1500 }),
    ).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/deadline/) });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('takes from S3 only pre-signed links on S3 endpoints, in the allowed buckets when they are listed', async () => {
    const s3 = { ...policy, allowedHosts: ['amazonaws.com'] };
    for (const url of [
      'https://lambda.us-east-1.amazonaws.com/x.wav', // not S3
      'https://s3.amazonaws.com/bucket/x.wav', // not pre-signed
      'https://other.s3.amazonaws.com/x.wav?X-Amz-Signature=abc', // not a listed bucket
      'https://s3.us-east-1.amazonaws.com/other/x.wav?X-Amz-Signature=abc',
    ])
      await expect(downloadRecording(url, { ...s3, allowedBuckets: ['telnyx-recordings'] }), url).rejects.toMatchObject(
        { retryable: false },
      );
  });

  it('knows which addresses are internal', () => {
    for (const a of [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '198.18.0.1', // benchmarking
      '192.0.0.8', // IETF protocol assignments
      '240.0.0.1', // reserved
      '255.255.255.255',
      '::1',
      '::10.0.0.1', // IPv4-compatible
      '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
      '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
      '2001:0:4136:e378::1', // Teredo
      'fec0::1', // site-local
      'not-an-address',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
    ])
      expect(isInternalAddress(a), a).toBe(true);
    for (const a of ['52.216.1.1', '8.8.8.8', '2600:1f18::1', '172.32.0.1'])
      expect(isInternalAddress(a), a).toBe(false);
  });
});
