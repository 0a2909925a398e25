/**
 * The webhook inbox: Telnyx events committed before the webhook is answered, then relayed to
 * Temporal. One statement stores an event (a redelivery is absorbed by the unique event id); a
 * relay claims rows with a lease, in order per workflow, skipping rows another relay holds.
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../client.js';
import { erasureKey } from './forget.js';
import { definePrepared, placeholder } from '../prepared.js';

export type InboxKind = 'call' | 'message';

export interface InboxEvent {
  eventId: string;
  kind: InboxKind;
  workflowId: string;
  payload: unknown;
}

export interface ClaimedEvent {
  id: number;
  kind: InboxKind;
  workflowId: string;
  payload: unknown;
  receivedAt: Date;
  attempts: number;
}

/**
 * Store one event, in one statement: `stored` when it is new, `duplicate` when its event id is already
 * in the inbox (a redelivery), `erased` when its call or text was erased (never stored again).
 */
export async function enqueueEvent(db: Database, e: InboxEvent): Promise<'stored' | 'duplicate' | 'erased'> {
  const { rows } = await storeEvent(db, {
    keyHash: erasureKey(e.workflowId),
    eventId: e.eventId,
    kind: e.kind,
    workflowId: e.workflowId,
    payload: JSON.stringify(e.payload),
  });
  const row = rows[0] as { erased: boolean; stored: number } | undefined;
  return row?.erased ? 'erased' : row?.stored ? 'stored' : 'duplicate';
}

/** Every webhook runs it: prepared, so it is planned once per session, not per event. */
const storeEvent = definePrepared<{
  keyHash: string;
  eventId: string;
  kind: string;
  workflowId: string;
  payload: string;
}>('inbox_store', () => {
  const text = (name: string) => placeholder(name, 'text');
  return sql`with erased as (
        select exists (select 1 from erasures where key_hash = ${text('keyHash')}) as yes),
      inserted as (
        insert into webhook_inbox (event_id, kind, workflow_id, payload)
        select ${text('eventId')}, ${text('kind')}, ${text('workflowId')}, ${placeholder('payload', 'jsonb')}
        where not (select yes from erased)
        on conflict (event_id) do nothing
        returning 1)
      select (select yes from erased) as erased, (select count(*) from inserted)::int as stored`;
});

/**
 * Claim up to `limit` rows that are due, for `leaseMs`: of each workflow only its earliest
 * undelivered row (so a call's events reach Temporal in the order they were received), and never a
 * row another relay holds (row locks while claiming, then the lease until it is delivered or lapses).
 */
export async function claimInbox(db: Database, limit: number, leaseMs: number): Promise<ClaimedEvent[]> {
  const rows = rowsOf<{
    id: string | number;
    kind: InboxKind;
    workflow_id: string;
    payload: unknown;
    received_at: string | Date;
    attempts: number;
  }>(
    await db.execute(sql`update webhook_inbox set lease_until = now() + ${leaseMs} * interval '1 millisecond',
        attempts = attempts + 1
      where id in (
        select i.id from webhook_inbox i
        where i.delivered_at is null and i.next_attempt_at <= now()
          and (i.lease_until is null or i.lease_until < now())
          and not exists (
            select 1 from webhook_inbox e
            where e.workflow_id = i.workflow_id and e.delivered_at is null and e.id < i.id)
        order by i.id
        limit ${limit}
        for update skip locked)
      returning id, kind, workflow_id, payload, received_at, attempts`),
  );
  return rows
    .map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      workflowId: r.workflow_id,
      payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as unknown) : r.payload,
      receivedAt: new Date(r.received_at),
      attempts: r.attempts,
    }))
    .sort((a, b) => a.id - b.id);
}

export async function markDelivered(db: Database, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`update webhook_inbox set delivered_at = now(), lease_until = null, last_error = null
    where id = any(${`{${ids.join(',')}}`}::bigint[])`);
}

/** Hand a row back for a later attempt; `reason` is an error's kind, never its message. */
export async function markFailed(db: Database, id: number, retryInMs: number, reason: string): Promise<void> {
  await db.execute(sql`update webhook_inbox set lease_until = null, last_error = ${reason.slice(0, 100)},
      next_attempt_at = now() + ${retryInMs} * interval '1 millisecond'
    where id = ${id}`);
}

export interface InboxStats {
  pending: number;
  /** Age of the oldest undelivered row, in seconds (0 when none). */
  oldestSeconds: number;
}

export async function inboxStats(db: Database): Promise<InboxStats> {
  const [row] = rowsOf<{ pending: number; oldest: number | null }>(
    await db.execute(sql`select count(*)::int as pending,
        extract(epoch from now() - min(received_at))::float8 as oldest
      from webhook_inbox where delivered_at is null`),
  );
  return { pending: row?.pending ?? 0, oldestSeconds: Math.max(0, row?.oldest ?? 0) };
}

/** Delete delivered rows older than `olderThanMs`: the count removed. */
export async function purgeDelivered(db: Database, olderThanMs: number): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await db.execute(sql`with gone as (delete from webhook_inbox
        where delivered_at is not null and delivered_at < now() - ${olderThanMs} * interval '1 millisecond'
        returning 1)
      select count(*)::int as n from gone`),
  );
  return row?.n ?? 0;
}
