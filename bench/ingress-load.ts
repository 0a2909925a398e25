/** The ingress benchmarks' load: an open-loop driver and signed missed-call lifecycles. */
import type { Client } from '@temporalio/client';
import { callLifecycle } from '../activities/providers/telephony/fake.js';
import { callWorkflowId } from '../temporal.config.js';
import { percentile } from './lib.js';
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../db/client.js';

/** Open loop: start `fn(i)` every 1/rate s for `seconds`, whatever the previous ones are doing. */
export async function openLoop(r: number, secs: number, fn: (i: number) => Promise<boolean>) {
  const total = Math.round(r * secs);
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / r;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((res) => setTimeout(res, wait));
    pending.push(
      (async () => {
        const t = performance.now();
        const ok = await fn(i).catch(() => false);
        latencies.push(performance.now() - t);
        if (!ok) failures++;
      })(),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    offered: r,
    achieved: total / elapsed,
    sent: total,
    failures,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
  };
}

/** Missed-call lifecycles (initiated, hangup): two events per call, the short pipeline path. */
export function makeEvents(n: number, prefix: string) {
  const events: { body: string; session: string }[] = [];
  const sessions: string[] = [];
  for (let i = 0; events.length < n; i++) {
    const { callSessionId, events: evs } = callLifecycle({
      from: `+1312555${String(1000 + (i % 9000)).padStart(4, '0')}`,
      to: '+13125550199',
      answered: false,
    });
    const session = `${prefix}-${callSessionId}`;
    sessions.push(session);
    for (const e of evs) {
      const payload = (e.data as { payload: Record<string, unknown> }).payload;
      payload.call_session_id = session;
      events.push({ body: JSON.stringify(e), session });
    }
  }
  // Whole calls only: a call cut after its first event would never finish, and a drain would wait for it.
  return { events, sessions };
}

/**
 * Wait until each session's workflow exists: the relay starts it from the inbox after the webhook
 * was answered, so a handle's result() right after the webhooks may find no workflow yet. One
 * describe at a time, so the waiting adds next to no load.
 */
export async function callsStarted(client: Client, sessions: string[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const id of sessions) {
    const handle = client.workflow.getHandle(callWorkflowId(id));
    while (
      !(await handle.describe().then(
        () => true,
        () => false,
      ))
    ) {
      if (Date.now() > until) throw new Error(`the call's workflow did not start within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Wait until every session's call workflow has finished (or `timeoutMs` passes): false on timeout.
 * Short `describe` calls, not long polls: nothing is left waiting on the connection when it returns.
 */
export async function drainCalls(client: Client, sessions: string[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (const id of sessions) {
    const handle = client.workflow.getHandle(callWorkflowId(id));
    for (;;) {
      const status = await handle.describe().then(
        (d) => d.status.name,
        () => 'NOT_FOUND', // not started yet (its events may still be in the inbox)
      );
      if (status !== 'RUNNING' && status !== 'NOT_FOUND') break;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return true;
}

export interface RelayLag {
  /** Inbox rows of the sessions, and how many of them reached Temporal. */
  stored: number;
  delivered: number;
  /** Commit to Temporal's acceptance, in ms, from the rows' own timestamps. */
  p50: number;
  p99: number;
  max: number;
  /** Rows delivered only after a failed attempt (`attempts` counts claims), and the failures' kinds. */
  retried: number;
  lastErrors: string[];
}

/**
 * The relay's lag for these sessions' events, read from the inbox rows (`received_at` is the
 * webhook's commit, `delivered_at` Temporal's acceptance).
 */
export async function relayLag(db: Database, sessions: string[]): Promise<RelayLag> {
  const lag = sql`extract(epoch from delivered_at - received_at) * 1000`;
  const ids = `{${sessions.map(callWorkflowId).join(',')}}`;
  const [row] = rowsOf<RelayLag>(
    await db.execute(sql`select count(*)::int as stored, count(delivered_at)::int as delivered,
        coalesce(percentile_cont(0.5) within group (order by ${lag}), 0)::float8 as p50,
        coalesce(percentile_cont(0.99) within group (order by ${lag}), 0)::float8 as p99,
        coalesce(max(${lag}), 0)::float8 as max,
        count(*) filter (where attempts > 1)::int as retried,
        coalesce(array_agg(distinct last_error) filter (where last_error is not null), '{}') as "lastErrors"
      from webhook_inbox where workflow_id = any(${ids}::text[])`),
  );
  return row!;
}
