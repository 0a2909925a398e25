/**
 * A small HTTP server base for vendor fakes: records every request and lets a test inject
 * failures in order (500 once then OK, 429 with Retry-After, malformed JSON, a slow reply past
 * the client's timeout, any 4xx).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export type Failure =
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: string }
  | { kind: 'malformed' }
  | { kind: 'slow'; delayMs: number };

export interface FakeRequest {
  method: string;
  path: string;
  /** The query string's parameters. */
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface FakeServer {
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Queue failures: the next requests fail in this order, later ones succeed. */
  failNext(...failures: Failure[]): void;
  close(): Promise<void>;
}

export type Handler = (req: FakeRequest) => Promise<{
  status?: number;
  type?: string;
  headers?: Record<string, string>;
  body: string | Buffer;
  /** Written after `body`, chunk by chunk as it yields (server-sent events). */
  stream?: AsyncIterable<string>;
}>;

const read = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startFakeServer(
  name: string,
  handle: Handler,
  /** WebSocket upgrades (a vendor's streaming API); refused when absent. */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const queue: Failure[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://x').pathname,
      query: new URL(req.url ?? '/', 'http://x').searchParams,
      headers: req.headers,
      body: await read(req),
    };
    requests.push(request);
    const failure = queue.shift();
    if (failure?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
      res
        .writeHead(failure.status, headers)
        .end(
          failure.body ??
            JSON.stringify({ error: { type: 'injected', message: `${name} fake: injected ${failure.status}` } }),
        );
      return;
    }
    if (failure?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"this is": not json');
      return;
    }
    if (failure?.kind === 'slow') await new Promise((r) => setTimeout(r, failure.delayMs));
    try {
      const out = await handle(request);
      if (res.destroyed) return;
      res.writeHead(out.status ?? 200, { 'content-type': out.type ?? 'application/json', ...out.headers });
      if (out.stream) {
        res.write(out.body);
        for await (const chunk of out.stream) {
          if (res.destroyed) return;
          res.write(chunk);
        }
      }
      res.end(out.stream ? undefined : out.body);
    } catch (err) {
      if (!res.destroyed)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: (err as Error).message } }));
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (upgrade) return upgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (...failures) => void queue.push(...failures),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
