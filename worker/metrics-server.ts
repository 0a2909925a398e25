/**
 * A worker's /metrics: the process's own metrics (stage outcomes and durations, vendor errors,
 * event-loop lag) followed by the Temporal SDK's worker metrics, which the SDK's Prometheus
 * exporter serves on a loopback port of its own. Served on METRICS_HOST:METRICS_PORT (loopback by
 * default) and only to a holder of an API token.
 */
import { createServer, type Server } from 'node:http';
import { metricsContentType, metricsText } from '../platform/metrics.js';

export function serveWorkerMetrics(o: {
  host: string;
  port: number;
  /** Whether a presented bearer token is one of the API tokens. */
  authorized: (token: string | undefined) => boolean;
  /** The SDK exporter's URL, e.g. http://127.0.0.1:PORT/metrics. */
  sdkMetricsUrl?: string;
}): Promise<Server> {
  const sdk = o.sdkMetricsUrl
    ? async () => {
        const res = await fetch(o.sdkMetricsUrl!, { signal: AbortSignal.timeout(2000) });
        return res.ok ? res.text() : '';
      }
    : undefined;
  const server = createServer((req, res) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (req.url !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    if (!o.authorized(token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('API token required\n');
      return;
    }
    metricsText(sdk).then(
      (text) => res.writeHead(200, { 'content-type': metricsContentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve(server));
  });
}
