/**
 * The inbox relay's thread (started by relay-thread.ts in `npm run api`): the same relay as on the
 * main thread, with its own database pool and Temporal connection, at a lower CPU priority.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { secretValues } from '../../../config.js';
import { openConfiguredDatabase } from '../../../db/client.js';
import { createLogger } from '../../../platform/logger.js';
import { apiTemporal } from '../../temporal-gateway.js';
import { createInboxRelay, errorKind } from './relay.js';
import type { FromRelayThread, RelayCounts, RelayThreadData, ToRelayThread } from './relay-thread.js';

const REPORT_MS = 250;
/** Connections for the relay: a claim, marks and the late-event lookups of 64 deliveries in flight. */
const POOL_SIZE = 4;

const port = parentPort!;
const { config, niceness } = workerData as RelayThreadData;
const log = createLogger(config, secretValues(config), { service: 'api', part: 'inbox-relay' });

// Linux: a thread's id is a process id for setpriority, so this lowers this thread alone.
if (niceness > 0) {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.min(19, getPriority(tid) + niceness));
  } catch (err) {
    log.warn('inbox relay: could not lower its thread priority', { reason: errorKind(err) });
  }
}

let counts: RelayCounts = { delivered: [], failed: [], late: [] };
const report = () => {
  if (!counts.delivered.length && !counts.failed.length && !counts.late.length) return;
  port.postMessage({ counts } satisfies FromRelayThread);
  counts = { delivered: [], failed: [], late: [] };
};
const reporter = setInterval(report, REPORT_MS);

const database = await openConfiguredDatabase(config, { poolSize: POOL_SIZE, migrate: false });
const { connection, gateway } = apiTemporal(config);
const relay = createInboxRelay(
  {
    db: database.db,
    gateway,
    log,
    metrics: {
      delivered: (...args) => counts.delivered.push(args),
      failed: (...args) => counts.failed.push(args),
      late: (...args) => counts.late.push(args),
    },
  },
  { retentionMs: config.http.inboxRetentionMs },
);
relay.start();

port.on('message', (m: ToRelayThread) => {
  if (m === 'kick') relay.kick();
  else if (m === 'stop')
    void (async () => {
      await relay.stop();
      clearInterval(reporter);
      report();
      await connection.close().catch(() => undefined);
      await database.close().catch(() => undefined);
      port.postMessage({ stopped: true } satisfies FromRelayThread);
    })();
});
