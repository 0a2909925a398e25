/**
 * The inbox relay over native PostgreSQL: several relays (as several API processes) share one inbox;
 * every event reaches the gateway, each call's in the order it was received, none twice; a gateway
 * that fails is retried; erased calls are not delivered; delivered rows are purged after retention.
 * The gateway here is a recorder (what Temporal would be handed), so order and counts are exact.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf, type DatabaseHandle } from '../../../db/client.js';
import { enqueueEvent, inboxStats, purgeDelivered } from '../../../db/queries/inbox.js';
import { suppressErased } from '../../../db/queries/forget.js';
import { freshPostgresUrl, silentLog } from '../../../test/stack.js';
import type { WorkflowGateway } from '../../../temporal/gateway.js';
import type { CallEvent } from '../../../contract/index.js';
import { callWorkflowId } from '../../../temporal.config.js';
import { createInboxRelay, type InboxRelay } from './relay.js';

/** Records what each call's workflow was handed; `failFirst` attempts of an event fail. */
function recordingGateway(o: { failFirst?: number; latencyMs?: number } = {}) {
  const received = new Map<string, string[]>();
  const attempts = new Map<string, number>();
  const deliver = async (event: CallEvent) => {
    const n = (attempts.get(event.eventId) ?? 0) + 1;
    attempts.set(event.eventId, n);
    await new Promise((r) => setTimeout(r, Math.random() * (o.latencyMs ?? 3)));
    if (n <= (o.failFirst ?? 0)) throw Object.assign(new Error('frontend unavailable'), { code: 14 });
    const list = received.get(event.callSessionId) ?? [];
    list.push(event.eventId);
    received.set(event.callSessionId, list);
    return 'accepted' as const;
  };
  const gateway = { deliverCallEvent: deliver } as unknown as WorkflowGateway;
  return { gateway, received, attempts };
}

const event = (session: string, i: number): CallEvent => ({
  eventId: `${session}-e${i}`,
  type: 'call.initiated',
  occurredAt: new Date().toISOString(),
  source: 'call_control',
  callSessionId: session,
  otherParty: '+12125550100',
});

const store = (db: DatabaseHandle, e: CallEvent) =>
  enqueueEvent(db.db, { eventId: e.eventId, kind: 'call', workflowId: callWorkflowId(e.callSessionId), payload: e });

async function until(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the inbox relay', () => {
  let url: string;
  const handles: DatabaseHandle[] = [];
  const relays: InboxRelay[] = [];
  const open = async () => {
    const h = await openDatabase({ url, poolSize: 4 });
    handles.push(h);
    return h;
  };
  beforeAll(async () => {
    url = await freshPostgresUrl();
  });
  // Each test's relays stop with it: they share one database.
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
  });
  afterAll(async () => {
    for (const h of handles) await h.close();
  });

  it('three relays over one inbox: every event once, each call in the order received', async () => {
    const writer = await open();
    const { gateway, received } = recordingGateway({ latencyMs: 10 });
    const sessions = Array.from({ length: 40 }, (_, i) => `order-${i}`);
    const expected = new Map(sessions.map((s) => [s, Array.from({ length: 5 }, (_, i) => `${s}-e${i}`)]));
    // Interleaved arrivals (each call's events in its own order): a backlog stored before the relays
    // start (so a claim sees several events of one call), the rest while they run.
    const arrive = async (i: number) => {
      for (const s of [...sessions].sort(() => Math.random() - 0.5)) {
        expect(await store(writer, event(s, i))).toBe('stored');
        // A redelivery of an event is absorbed by the insert.
        if (Math.random() < 0.3) expect(await store(writer, event(s, i))).toBe('duplicate');
      }
    };
    for (let i = 0; i < 3; i++) await arrive(i);
    for (let r = 0; r < 3; r++) {
      const relay = createInboxRelay(
        { db: (await open()).db, gateway, log: silentLog },
        { batch: 16, pollMs: 20, retryMs: 20 },
      );
      relays.push(relay);
      relay.start();
    }
    for (let i = 3; i < 5; i++) await arrive(i);
    await until('the inbox to drain', async () => (await inboxStats(writer.db)).pending === 0);
    expect(Object.fromEntries(received)).toEqual(Object.fromEntries(expected));
  });

  it('one slow delivery holds back only its own call: the other calls flow past it', async () => {
    const db = await open();
    const delivered: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const gateway = {
      deliverCallEvent: async (e: CallEvent) => {
        if (e.eventId === 'slow-a-e0') await slow;
        delivered.push(e.eventId);
        return 'accepted' as const;
      },
    } as unknown as WorkflowGateway;
    await store(db, event('slow-a', 0));
    await store(db, event('slow-a', 1));
    for (let i = 0; i < 30; i++) await store(db, event(`fast-${i}`, 0));
    const relay = createInboxRelay({ db: db.db, gateway, log: silentLog }, { batch: 4, pollMs: 20 });
    relays.push(relay);
    relay.start();
    // With four slots and one held, the thirty other calls still go through (rounds would wait).
    await until('the other calls', async () => delivered.filter((id) => id.startsWith('fast-')).length === 30, 10_000);
    expect(delivered).not.toContain('slow-a-e1');
    release();
    await until('the slow call', async () => delivered.includes('slow-a-e1'));
    expect(delivered.filter((id) => id.startsWith('slow-a'))).toEqual(['slow-a-e0', 'slow-a-e1']);
  });

  it('retries a gateway that fails, with backoff, until it takes the event; /ready counts the backlog meanwhile', async () => {
    const db = await open();
    const { gateway, received, attempts } = recordingGateway({ failFirst: 3 });
    const relay = createInboxRelay({ db: db.db, gateway, log: silentLog }, { pollMs: 20, retryMs: 50 });
    relays.push(relay);
    for (let i = 0; i < 3; i++) await store(db, event('retry-a', i));
    expect(await relay.stats()).toMatchObject({ pending: 3 });
    relay.start();
    await until('delivery', async () => (received.get('retry-a')?.length ?? 0) === 3);
    expect(received.get('retry-a')).toEqual(['retry-a-e0', 'retry-a-e1', 'retry-a-e2']);
    expect([...attempts.entries()].filter(([k]) => k.startsWith('retry-a')).map(([, n]) => n)).toEqual([4, 4, 4]);
    const [row] = rowsOf<{ attempts: number; delivered: boolean }>(
      await db.db.execute(
        sql`select attempts, delivered_at is not null as delivered from webhook_inbox where event_id = 'retry-a-e0'`,
      ),
    );
    expect(row).toEqual({ attempts: 4, delivered: true });
  });

  it('does not store or deliver the events of an erased call, and purges delivered rows past retention', async () => {
    const db = await open();
    const { gateway, received } = recordingGateway();
    await store(db, event('erased-a', 0));
    await suppressErased(db.db, [callWorkflowId('erased-a')]);
    // Stored before the erasure: acknowledged by the relay, not delivered. After it: not stored at all.
    expect(await store(db, event('erased-a', 1))).toBe('erased');
    const relay = createInboxRelay({ db: db.db, gateway, log: silentLog }, { pollMs: 20 });
    relays.push(relay);
    relay.start();
    await until('the inbox to drain', async () => (await inboxStats(db.db)).pending === 0);
    expect(received.get('erased-a')).toBeUndefined();
    const count = async () =>
      rowsOf<{ n: number }>(await db.db.execute(sql`select count(*)::int as n from webhook_inbox`))[0]!.n;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    expect(await purgeDelivered(db.db, 60_000)).toBe(0);
    expect(await purgeDelivered(db.db, 0)).toBe(before);
    expect(await count()).toBe(0);
  });
});
