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

/** stored (in the inbox) | duplicate | erased | ignored | rejected (reason: signature, replay, payload, too_large) | unavailable (the inbox could not be written). */
export const webhookEvents = new client.Counter({
  name: 'cc_webhook_events_total',
  help: 'Telnyx webhooks by outcome (and reason for rejections)',
  labelNames: ['outcome', 'reason'] as const,
  registers: [registry],
});

/** Call events that arrived after their call's run closed: `reopened` (they changed the call) or `unchanged`. */
/** The inbox relay: events handed from the webhook inbox to Temporal. */
export const relayDeliveries = new client.Counter({
  name: 'cc_inbox_relay_deliveries_total',
  help: 'Inbox events handed to Temporal, by outcome: accepted, closed (the run had finished), erased (not delivered)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const relayFailures = new client.Counter({
  name: 'cc_inbox_relay_failures_total',
  help: 'Inbox deliveries that failed and were put back for a later attempt, by error kind',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const relayLag = new client.Histogram({
  name: 'cc_inbox_relay_lag_seconds',
  help: 'From the webhook committing an event to Temporal accepting it',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

/** Set by the relay at each /metrics scrape: rows not yet delivered, and the oldest one's age. */
export const inboxDepth = new client.Gauge({
  name: 'cc_inbox_pending',
  help: 'Webhook events in the inbox not yet handed to Temporal',
  registers: [registry],
});

export const inboxOldest = new client.Gauge({
  name: 'cc_inbox_oldest_pending_seconds',
  help: 'Age of the oldest webhook event not yet handed to Temporal (0 when none)',
  registers: [registry],
});

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

/** The live receptionist: voice to voice per turn, from the caller's last speech to the first reply frame sent. */
export const voiceTurnLatency = new client.Histogram({
  name: 'cc_voice_turn_latency_seconds',
  help: "From the caller's last speech frame to the receptionist's first reply frame sent",
  buckets: [0.25, 0.5, 0.75, 1, 1.2, 1.5, 2, 3, 5],
  registers: [registry],
});

/** Receptionist conversations by how they ended. */
export const voiceSessionsEnded = new client.Counter({
  name: 'cc_voice_sessions_total',
  help: 'Receptionist conversations ended, by outcome',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Media streams refused (bad, used or expired token; wrong call; limits). */
export const voiceStreamsRefused = new client.Counter({
  name: 'cc_voice_streams_refused_total',
  help: 'Media streams refused, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});
