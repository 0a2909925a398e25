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

  it('knows which addresses are internal', () => {
    for (const a of [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
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
