/**
 * The inbox relay on a thread of its own, for the API process (`npm run api`). On the main thread
 * the relay's work (claiming rows, encrypting payloads, gRPC to Temporal, marking rows) shared one
 * event loop with the webhooks, and every round of it held webhooks up: at 200 deliveries/s on two
 * cores the webhook p99 was over a second. Here the relay has its own event loop, database pool and
 * Temporal connection, and its thread runs at a lower CPU priority (nice), so when the machine is
 * saturated the webhooks are answered first and the relay's backlog waits (the inbox is durable).
 *
 * The thread is the same relay (relay.ts); what it counts is sent here, where /metrics is served.
 * A thread that fails is started again; rows it held are claimed again when their lease lapses.
 * Only with PostgreSQL: PGlite (the embedded stack) is one session, owned by the main thread.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../../../config.js';
import type { Database } from '../../../db/client.js';
import type { Logger } from '../../../platform/logger.js';
import { errorKind, inboxBacklog, processRelayMetrics, type InboxRelay } from './relay.js';

/** What the thread counted since its last report. */
export interface RelayCounts {
  delivered: { outcome: 'accepted' | 'closed' | 'erased'; lagSeconds: number }[];
  failed: string[];
  late: ('reopened' | 'unchanged')[];
}

export type ToRelayThread = 'kick' | 'stop';
/** The thread's settings: the process's configuration (database, Temporal, retention, logging). */
export interface RelayThreadData {
  config: Config;
  niceness: number;
}
export type FromRelayThread = { counts: RelayCounts } | { stopped: true };

const RESTART_MS = 1_000;

export function startRelayThread(o: { db: Database; log: Logger; config: Config }): InboxRelay {
  let worker: Worker | undefined;
  let stopping = false;
  let kickQueued = false;
  let restart: NodeJS.Timeout | undefined;
  let stopped: (() => void) | undefined;

  const apply = (c: RelayCounts) => {
    for (const d of c.delivered) processRelayMetrics.delivered(d.outcome, d.lagSeconds);
    for (const r of c.failed) processRelayMetrics.failed(r);
    for (const v of c.late) processRelayMetrics.late(v);
  };

  const launch = () => {
    restart = undefined;
    const w = new Worker(new URL('./relay-worker.mjs', import.meta.url), {
      workerData: { config: o.config, niceness: o.config.http.relayNiceness } satisfies RelayThreadData,
    });
    worker = w;
    w.on('message', (m: FromRelayThread) => {
      if ('counts' in m) apply(m.counts);
      else stopped?.();
    });
    w.on('error', (err) => o.log.error('inbox relay thread failed', { reason: errorKind(err) }));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      if (stopping) return stopped?.();
      o.log.warn('inbox relay thread exited; starting it again', { code });
      restart = setTimeout(launch, RESTART_MS);
    });
  };

  return {
    start() {
      stopping = false;
      if (!worker && !restart) launch();
    },
    kick() {
      // Many webhooks in one turn of the event loop: one message.
      if (kickQueued || !worker) return;
      kickQueued = true;
      setImmediate(() => {
        kickQueued = false;
        worker?.postMessage('kick' satisfies ToRelayThread);
      });
    },
    async stop() {
      stopping = true;
      clearTimeout(restart);
      restart = undefined;
      const w = worker;
      if (!w) return;
      // The thread finishes the deliveries in flight, marks them, and closes its connections.
      await new Promise<void>((resolve) => {
        stopped = resolve;
        w.postMessage('stop' satisfies ToRelayThread);
      });
      await w.terminate();
    },
    stats: () => inboxBacklog(o.db),
  };
}
