/**
 * The process's Prometheus metrics (prom-client), one registry per process: HTTP requests, webhook
 * outcomes, pipeline stage outcomes and durations by provider, vendor errors, and Node's own
 * (event-loop lag, heap, GC). The API serves them at /metrics; a worker on METRICS_PORT, followed
 * by the Temporal SDK's worker metrics. The pipeline's activities are measured into it by
 * `activities/measured.ts`. Labels never carry personal data: routes are patterns,
 * stages and providers are names.
 */
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new client.Counter({
  name: 'cc_http_requests_total',
  help: 'HTTP requests answered, by route pattern, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new client.Histogram({
  name: 'cc_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by route pattern and method',
  labelNames: ['method', 'route'] as const,
  buckets: seconds,
  registers: [registry],
});

/** accepted | duplicate | closed | rejected (reason: signature, replay, payload, too_large) | unavailable. */
export const webhookEvents = new client.Counter({
  name: 'cc_webhook_events_total',
  help: 'Telnyx webhooks by outcome (and reason for rejections)',
  labelNames: ['outcome', 'reason'] as const,
  registers: [registry],
});

/** Call events that arrived after their call's run closed: `reopened` (they changed the call) or `unchanged`. */
export const lateCallEvents = new client.Counter({
  name: 'cc_late_call_events_total',
  help: 'Call events for a call whose workflow had closed, by what was done: reopened (the event changed the call) or unchanged (acknowledged)',
  labelNames: ['verdict'] as const,
  registers: [registry],
});

export const stageRuns = new client.Counter({
  name: 'cc_pipeline_stage_total',
  help: 'Pipeline activity attempts by stage, provider and outcome (done, retry, failed)',
  labelNames: ['stage', 'provider', 'outcome'] as const,
  registers: [registry],
});

export const stageDuration = new client.Histogram({
  name: 'cc_pipeline_stage_duration_seconds',
  help: 'Duration of a pipeline activity attempt by stage and provider',
  labelNames: ['stage', 'provider'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600],
  registers: [registry],
});

export const vendorErrors = new client.Counter({
  name: 'cc_vendor_errors_total',
  help: 'Vendor (provider) errors by provider and kind (retryable, fatal)',
  labelNames: ['provider', 'kind'] as const,
  registers: [registry],
});

/** The registry in Prometheus's text format, followed by `extra` (the Temporal SDK's metrics). */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await registry.metrics();
  const more = extra ? await extra().catch(() => '') : '';
  return more ? `${own}\n${more}` : own;
}

export const metricsContentType = registry.contentType;
