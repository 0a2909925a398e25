/**
 * The inbox relay on a thread of its own, for the API process (`npm run api`). On the main thread
 * the relay's work (claiming rows, encrypting payloads, gRPC to Temporal, marking rows) shared one
 * event loop with the webhooks, and every round of it held webhooks up: at 200 deliveries/s on two
 * cores the webhook p99 was over a second. Here the relay has its own event loop, database pool and
 * Temporal connection, and its thread runs at a lower CPU priority (nice), so when the machine is
 * saturated the webhooks are answered first and the relay's backlog waits (the inbox is durable).
 *
 * The thread is the same relay (relay.ts); what it counts is sent here, where /metrics is served.
 * A thread that fails is started again (with backoff); rows it held are claimed again when their lease lapses.
 * Only with PostgreSQL: PGlite (the embedded stack) is one session, owned by the main thread.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../../../config.js';
import type { Database } from '../../../db/client.js';
import type { Logger } from '../../../platform/logger.js';
import { errorKind, inboxBacklog, processRelayMetrics, type InboxRelay, type RelayMetrics } from './relay.js';

/** What the thread counted since its last report: the arguments of each RelayMetrics call. */
export interface RelayCounts {
  delivered: Parameters<RelayMetrics['delivered']>[];
  failed: Parameters<RelayMetrics['failed']>[];
  late: Parameters<RelayMetrics['late']>[];
}

export type ToRelayThread = 'kick' | 'stop';
/** The thread's settings: the process's configuration (database, Temporal, retention, logging). */
export interface RelayThreadData {
  config: Config;
  niceness: number;
}
export type FromRelayThread = { counts: RelayCounts } | { stopped: true };

/** A thread that exits is started again after 1 s, doubled per exit in a row up to 30 s. */
const RESTART_MS = 1_000;
const MAX_RESTART_MS = 30_000;
/** A thread that ran this long before exiting starts the backoff over. */
const HEALTHY_MS = 60_000;

export function startRelayThread(o: {
  db: Database;
  log: Logger;
  config: Config;
  /** The thread's script; tests give one that fails. */
  script?: URL;
}): InboxRelay {
  let worker: Worker | undefined;
  let stopping = false;
  let kickQueued = false;
  let restart: NodeJS.Timeout | undefined;
  let stopped: (() => void) | undefined;
  let exitsInARow = 0;

  const apply = (c: RelayCounts) => {
    for (const args of c.delivered) processRelayMetrics.delivered(...args);
    for (const args of c.failed) processRelayMetrics.failed(...args);
    for (const args of c.late) processRelayMetrics.late(...args);
  };

  const launch = () => {
    restart = undefined;
    const w = new Worker(o.script ?? new URL('./relay-worker.mjs', import.meta.url), {
      workerData: { config: o.config, niceness: o.config.http.relayNiceness } satisfies RelayThreadData,
    });
    worker = w;
    const startedAt = Date.now();
    w.on('message', (m: FromRelayThread) => {
      if ('counts' in m) apply(m.counts);
      else stopped?.();
    });
    w.on('error', (err) => o.log.error('inbox relay thread failed', { reason: errorKind(err) }));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      if (stopping) return stopped?.();
      exitsInARow = Date.now() - startedAt > HEALTHY_MS ? 1 : exitsInARow + 1;
      const delayMs = Math.min(MAX_RESTART_MS, RESTART_MS * 2 ** (exitsInARow - 1));
      if (exitsInARow === 1 || exitsInARow % 10 === 0)
        o.log.warn('inbox relay thread exited; starting it again', { code, exitsInARow, delayMs });
      restart = setTimeout(launch, delayMs);
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
