/** Notifications: one row per (call, rule, channel), and an external channel called at most once per row. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import { getPhoneRecord, upsertCallRecord } from '../db/queries/phone-records.js';
import { notifications } from '../db/schema/index.js';
import { addCall, addContact } from '../test/seed.js';
import { freshDatabase } from '../test/stack.js';
import { startFakeServer, type FakeServer } from './providers/fakes/server.js';
import type { Providers } from './providers/index.js';
import { forDiscord, forSlack, notifyForCall } from './notify.js';

describe('notifications', () => {
  let database: DatabaseHandle;
  let hook: FakeServer;
  beforeAll(async () => {
    database = await freshDatabase('pglite');
    hook = await startFakeServer('hook', async () => ({ body: '{"ok":true}' }));
  });
  /** The inbox and a webhook; long calls are those over two minutes. */
  const notifyDeps = () => ({
    db: database.db,
    providers: {} as Providers,
    notify: { webhookUrl: `${hook.url}/hook`, longCallSeconds: 120 },
  });
  afterAll(async () => {
    await hook?.close();
    await database?.close();
  });

  it('writes each rule once per channel, delivers the webhook once, and retries only what was not sent', async () => {
    const deps = notifyDeps();
    const call = await addCall(database.db, {
      phoneNumber: '+12125550123',
      startedAt: new Date(),
      durationSeconds: 600,
      sentiment: 'negative',
      summary: 'Budget dispute.',
    });
    const record = (await getPhoneRecord(database.db, call.id))!;

    // Two rules (long call, negative sentiment) on two channels: four rows, two webhook posts.
    expect(await notifyForCall(deps, record)).toBe(4);
    expect(hook.requests).toHaveLength(2);
    const rows = await database.db.select().from(notifications).where(eq(notifications.phoneRecordId, call.id));
    expect(rows.map((r) => `${r.rule}:${r.channel}:${r.status}`).sort()).toEqual([
      'long_call:inbox:sent',
      'long_call:webhook:sent',
      'negative_sentiment:inbox:sent',
      'negative_sentiment:webhook:sent',
    ]);

    // A retry of the stage sends nothing again.
    expect(await notifyForCall(deps, record)).toBe(0);
    expect(hook.requests).toHaveLength(2);

    // A webhook that failed (its row not sent) is delivered on the next attempt, and only it.
    await database.db
      .update(notifications)
      .set({ status: 'pending', sentAt: null })
      .where(eq(notifications.dedupeKey, `call:${call.id}:long_call:webhook`));
    expect(await notifyForCall(deps, record)).toBe(1);
    expect(hook.requests).toHaveLength(3);
    expect(JSON.parse(hook.requests[2]!.body.toString())).toMatchObject({ rule: 'long_call', phoneRecordId: call.id });
    expect(hook.requests[2]!.headers['idempotency-key']).toBe(`call:${call.id}:long_call:webhook`);
  });

  it('names a caller in the inbox once the event naming them arrives after the pipeline ran, and sends nothing again', async () => {
    const deps = notifyDeps();
    // The hangup and the recording came first: the call has no number yet (call.initiated carries it).
    const call = await addCall(database.db, {
      phoneNumber: 'unknown',
      startedAt: new Date(),
      durationSeconds: 60,
      sentiment: 'negative',
      summary: 'The invoice is overdue.',
    });
    const posted = hook.requests.length;
    expect(await notifyForCall(deps, (await getPhoneRecord(database.db, call.id))!)).toBe(2);
    const inbox = async () =>
      (await database.db.select().from(notifications).where(eq(notifications.phoneRecordId, call.id)))
        .filter((r) => r.channel === 'inbox')
        .map((r) => r.title);
    expect(await inbox()).toEqual(['Tense call with •••']);

    // call.initiated arrives: the caller is a contact. The workflow stores the call again, then
    // scores and notifies for the contact.
    const contact = await addContact(database.db, {
      firstName: 'Nadia',
      lastName: 'Okafor',
      phoneE164: '+12125550177',
    });
    const stored = await upsertCallRecord(database.db, {
      callSessionId: call.callSessionId,
      source: 'call_control',
      status: 'completed',
      terminal: true,
      direction: 'inbound',
      otherParty: '+12125550177',
      durationSeconds: 60,
    });
    expect(stored.contactId).toBe(contact.id);
    expect(await notifyForCall(deps, (await getPhoneRecord(database.db, call.id))!)).toBe(0);
    expect(await inbox()).toEqual(['Tense call with Nadia Okafor']);
    // The webhook said what was known when it was sent, once.
    expect(hook.requests).toHaveLength(posted + 1);

    // A retracted notification stays as it was retracted, and is never sent again.
    await database.db
      .update(notifications)
      .set({ status: 'retracted', error: 'test', title: 'as retracted' })
      .where(eq(notifications.phoneRecordId, call.id));
    expect(await notifyForCall(deps, (await getPhoneRecord(database.db, call.id))!)).toBe(0);
    expect(await inbox()).toEqual(['as retracted']);
    expect(hook.requests).toHaveLength(posted + 1);
  });

  it('escapes call text for Slack and Discord: no pings, links or markup from what a caller said', () => {
    expect(forSlack('<!channel> see <https://evil.example|your bank> & more')).toBe(
      '&lt;!channel&gt; see &lt;https://evil.example|your bank&gt; &amp; more',
    );
    expect(forDiscord('**urgent** [bank](https://evil.example) `x` > quote')).toBe(
      '\\*\\*urgent\\*\\* \\[bank\\](https://evil.example) \\`x\\` \\> quote',
    );
  });
});
