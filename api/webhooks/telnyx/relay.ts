/**
 * The inbox relay: hands the events the webhooks committed to the inbox to Temporal. Each API
 * process runs one; the webhook kicks it right after its insert commits, and it also polls (rows
 * another process stored, rows whose retry is due, rows left by a process that died). Delivery is in
 * order per call and at least once; the workflows dedupe by event id, so the whole is exactly once.
 *
 * A call event for a call whose run already closed is weighed against the stored record: one that
 * changes what the call was (an answer, a recording it lacks) reopens the call; one that repeats the
 * record is acknowledged. Never silently dropped: both are logged and counted.
 */
import type { Database } from '../../../db/client.js';
import {
  claimInbox,
  inboxStats,
  markDelivered,
  markFailed,
  purgeDelivered,
  type ClaimedEvent,
  type InboxStats,
} from '../../../db/queries/inbox.js';
import { erasedAmong } from '../../../db/queries/forget.js';
import { storedCallOutcome } from '../../../db/queries/phone-records.js';
import type { WorkflowGateway } from '../../../temporal/gateway.js';
import type { CallEvent, CallStatus, MessageEvent } from '../../../contract/index.js';
import type { Logger } from '../../../platform/logger.js';
import {
  inboxDepth,
  inboxOldest,
  lateCallEvents,
  relayDeliveries,
  relayFailures,
  relayLag,
} from '../../../platform/metrics.js';
import { lateEventVerdict } from './late-events.js';

export interface InboxRelayOptions {
  /** Deliveries in flight at once (each call has at most one: its earliest undelivered event). */
  batch: number;
  /** How long a claimed row is this relay's; after that another relay may take it. */
  leaseMs: number;
  /** How often the relay looks without being kicked. */
  pollMs: number;
  /** First retry delay; doubled per attempt up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
  /** Delivered rows are kept this long (for inspection), then purged. */
  retentionMs: number;
}

export const RELAY_DEFAULTS: InboxRelayOptions = {
  batch: 64,
  leaseMs: 30_000,
  pollMs: 1_000,
  retryMs: 500,
  maxRetryMs: 30_000,
  retentionMs: 24 * 3600_000,
};

/**
 * What the relay counts. In the API's own thread these are the process's metrics; a relay on a
 * thread of its own (relay-thread.ts) sends them to the thread that serves /metrics.
 */
export interface RelayMetrics {
  delivered(outcome: 'accepted' | 'closed' | 'erased', lagSeconds: number): void;
  failed(reason: string): void;
  late(verdict: 'reopened' | 'unchanged'): void;
}

export const processRelayMetrics: RelayMetrics = {
  delivered(outcome, lagSeconds) {
    relayDeliveries.inc({ outcome });
    relayLag.observe(lagSeconds);
  },
  failed: (reason) => relayFailures.inc({ reason }),
  late: (verdict) => lateCallEvents.inc({ verdict }),
};

/** The inbox's backlog, also set as the /metrics gauges. */
export async function inboxBacklog(db: Database): Promise<InboxStats> {
  const s = await inboxStats(db);
  inboxDepth.set(s.pending);
  inboxOldest.set(s.oldestSeconds);
  return s;
}

export interface InboxRelay {
  /** Look now: an event was just committed. */
  kick(): void;
  start(): void;
  /** Stop claiming; resolves when the deliveries in flight have ended (delivered or handed back). */
  stop(): Promise<void>;
  stats(): Promise<InboxStats>;
}

/** The kind of an error, for logs and labels: never its message (a message can quote an event). */
export function errorKind(err: unknown): string {
  const e = err as { name?: string; code?: number | string; cause?: { code?: number | string } };
  const code = e?.code ?? e?.cause?.code;
  return code === undefined ? (e?.name ?? 'Error') : `${e?.name ?? 'Error'}:${code}`;
}

export function createInboxRelay(
  deps: { db: Database; gateway: WorkflowGateway; log: Logger; metrics?: RelayMetrics },
  options: Partial<InboxRelayOptions> = {},
): InboxRelay {
  const o = { ...RELAY_DEFAULTS, ...options };
  const { db, gateway, log } = deps;
  const metrics = deps.metrics ?? processRelayMetrics;
  let running: Promise<void> | undefined;
  let stopping = false;
  let kicked = false;
  let wake: (() => void) | undefined;
  let lastPurge = 0;

  const kick = () => {
    kicked = true;
    wake?.();
  };
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function deliverCall(event: CallEvent): Promise<'accepted' | 'closed'> {
    const outcome = await gateway.deliverCallEvent(event);
    if (outcome === 'accepted') return outcome;
    const stored = await storedCallOutcome(db, event.callSessionId);
    const verdict = stored
      ? lateEventVerdict({ status: stored.status as CallStatus, hasRecording: stored.hasRecording }, event)
      : 'unchanged';
    log.info(
      verdict === 'reconcile'
        ? 'late event changes a finished call: reopening it'
        : 'late event repeats a finished call: acknowledged',
      { eventType: event.type, phoneRecordId: stored?.phoneRecordId },
    );
    metrics.late(verdict === 'reconcile' ? 'reopened' : 'unchanged');
    if (verdict === 'reconcile') await gateway.reopenCall(event, stored!.phoneRecordId);
    return 'closed';
  }

  /** One row: true when it is done with (delivered, or not to be delivered), false when handed back. */
  async function deliverOne(row: ClaimedEvent, erased: Set<string>): Promise<boolean> {
    try {
      let outcome: 'accepted' | 'closed' | 'erased';
      // A call or text the owner erased stays erased: its events are acknowledged, never delivered.
      if (erased.has(row.workflowId)) outcome = 'erased';
      else if (row.kind === 'call') outcome = await deliverCall(row.payload as CallEvent);
      else outcome = await gateway.deliverMessageEvent(row.payload as MessageEvent);
      metrics.delivered(outcome, (Date.now() - row.receivedAt.getTime()) / 1000);
      return true;
    } catch (err) {
      const reason = errorKind(err);
      metrics.failed(reason);
      const retryIn = Math.min(o.maxRetryMs, o.retryMs * 2 ** Math.min(20, row.attempts - 1));
      const jittered = Math.round(retryIn * (0.75 + Math.random() * 0.5));
      if (row.attempts === 1 || row.attempts % 10 === 0)
        log.warn('inbox event not delivered yet; will retry', { reason, attempts: row.attempts, retryInMs: jittered });
      await markFailed(db, row.id, jittered, reason).catch((e: unknown) =>
        log.warn('could not hand an inbox row back (its lease will lapse)', { reason: errorKind(e) }),
      );
      return false;
    }
  }

  /**
   * A pipeline, not rounds: up to `batch` deliveries in flight, and as each ends its row is marked
   * and the slot refilled. (Rounds waited for the slowest delivery of each batch: under load the
   * relay ran at half the rate Temporal accepted.) A call's next event becomes claimable only once
   * the one before it is marked delivered, so the order per call holds.
   */
  async function loop() {
    let failures = 0;
    const inFlight = new Set<Promise<void>>();
    let finished: number[] = [];
    const flush = async () => {
      if (finished.length === 0) return;
      const ids = finished;
      finished = [];
      try {
        await markDelivered(db, ids);
      } catch (err) {
        finished.push(...ids);
        throw err;
      }
    };
    while (!stopping) {
      kicked = false;
      let claimedAll = false;
      try {
        await flush();
        const free = o.batch - inFlight.size;
        if (free > 0) {
          const claimed = await claimInbox(db, free, o.leaseMs);
          claimedAll = claimed.length > 0 && claimed.length === free;
          if (claimed.length) {
            const erased = await erasedAmong(db, [...new Set(claimed.map((r) => r.workflowId))]);
            for (const [i, row] of claimed.entries()) {
              // Starting a delivery (encrypting its payload, sending it) is synchronous work: a
              // claim of 64 started at once held the event loop for tens of ms, and the webhooks
              // waiting on it (in the embedded stack they share it). Let them in between.
              if (i > 0) await new Promise((resolve) => setImmediate(resolve));
              const delivery: Promise<void> = deliverOne(row, erased)
                .then((done) => {
                  if (done) finished.push(row.id);
                })
                .finally(() => {
                  inFlight.delete(delivery);
                  wake?.();
                });
              inFlight.add(delivery);
            }
          }
        }
        failures = 0;
        if (Date.now() - lastPurge > 10 * 60_000) {
          lastPurge = Date.now();
          const purged = await purgeDelivered(db, o.retentionMs);
          if (purged) log.info('inbox: delivered events past retention purged', { purged });
        }
        // Look again at once when told to, when a delivery ended (its row to mark, its call's next
        // event to claim), or when the claim was full; otherwise wait for one of those or the poll.
        if (kicked || finished.length || (claimedAll && inFlight.size < o.batch)) continue;
      } catch (err) {
        // The database itself failed (the webhooks answer 503 meanwhile): back off and look again.
        failures++;
        if (failures === 1 || failures % 30 === 0) log.warn('inbox relay round failed', { reason: errorKind(err) });
      }
      if (!stopping) await idle(failures ? Math.min(o.maxRetryMs, o.pollMs * failures) : o.pollMs);
    }
    await Promise.all(inFlight);
    await flush().catch((err: unknown) =>
      // Their leases lapse and another relay (or this one, next start) delivers them again; the
      // workflows drop the repeat by event id.
      log.warn('could not mark the last deliveries', { reason: errorKind(err) }),
    );
  }

  return {
    kick,
    start() {
      stopping = false;
      running ??= loop().finally(() => (running = undefined));
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
    },
    stats: () => inboxBacklog(db),
  };
}
