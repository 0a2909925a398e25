/** Every REST endpoint, on PGlite and on native PostgreSQL: success, errors and authentication. */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelnyx, type FakeTelnyx } from '../../activities/providers/telephony/fake.js';
import { contacts, phoneRecords, tasks } from '../../db/schema/index.js';
import { callWorkflowId } from '../../temporal.config.js';
import { addCall, addContact, addMessage, daysAgo } from '../../test/seed.js';
import { dbKinds, startStack, type Stack } from '../../test/stack.js';

type Body = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
  data: any;
  success: boolean;
  message?: string;
  error?: { code: string; requestId?: string; fields?: Record<string, string> };
  pagination?: { nextCursor: string | null; hasMore: boolean };
};

describe.each(dbKinds)('REST API on %s', (kind) => {
  let stack: Stack;
  let fake: FakeTelnyx;
  const call = async (method: string, path: string, body?: unknown, token: string | null = stack.token) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await stack.app.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };
  const db = () => stack.database.db;

  beforeAll(async () => {
    fake = await startFakeTelnyx();
    stack = await startStack({ db: kind, env: { TELNYX_API_KEY: 'KEYtest', TELNYX_BASE_URL: fake.baseUrl } });
  });
  afterAll(async () => {
    await stack?.stop();
    await fake?.close();
  });

  it('publishes OpenAPI 3 and docs without auth, and guards every /api operation with a bearer token', async () => {
    const doc = (await (await stack.app.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; operationId?: string }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const docs = await stack.app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/api/contacts/lookup/{phone}');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every(Boolean), 'every operation has an operationId').toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const api = operations.filter((o) => o.path.startsWith('/api/'));
    expect(api.length).toBeGreaterThanOrEqual(35);
    for (const { path, method, op } of api) {
      expect(op.security, `${method} ${path} declares bearer`).toEqual([{ bearer: [] }]);
      const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const token of [null, 'wrong-token']) {
        const res = await call(
          method.toUpperCase(),
          concrete,
          method === 'get' || method === 'delete' ? undefined : {},
          token,
        );
        expect(res.status, `${method} ${path} with token ${token}`).toBe(401);
        expect(res.body.error?.code).toBe('unauthorized');
      }
    }
  });

  it('creates, reads, updates, lists and deletes contacts, with validation, 404 and 409', async () => {
    const created = await call('POST', '/api/contacts', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '(212) 555-0100',
      company: 'Analytical Engines',
      email: 'ada@example.com',
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'Ada Lovelace',
      phone: '+12125550100',
      phoneFormatted: '(212) 555-0100',
    });
    const id = created.body.data.id as string;
    const row = await db().select().from(contacts).where(eq(contacts.id, id));
    expect(row[0]?.phoneE164).toBe('+12125550100');

    const dup = await call('POST', '/api/contacts', { firstName: 'Dup', phone: '+1 212-555-0100' });
    expect(dup.status).toBe(409);
    expect(dup.body.error?.fields?.phone).toContain(id);

    const bad = await call('POST', '/api/contacts', {
      firstName: '',
      email: 'not-an-email',
      cadenceDays: -3,
      extra: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('validation_failed');
    expect(bad.body.error?.requestId).toBeTruthy();
    expect(Object.keys(bad.body.error?.fields ?? {})).toEqual(
      expect.arrayContaining(['firstName', 'email', 'cadenceDays']),
    );
    const badPhone = await call('POST', '/api/contacts', { firstName: 'X', phone: '12' });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error?.fields).toHaveProperty('phone');
    const notJson = await stack.app.request('/api/contacts', {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(notJson.status).toBe(400);

    expect((await call('GET', `/api/contacts/${id}`)).body.data.company).toBe('Analytical Engines');
    const patched = await call('PATCH', `/api/contacts/${id}`, { company: null, tier: 'close', cadenceDays: 14 });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ company: null, tier: 'close', cadenceDays: 14, firstName: 'Ada' });
    expect((await call('PUT', `/api/contacts/${id}`, { notes: 'met at the lab' })).body.data.notes).toBe(
      'met at the lab',
    );

    for (const missing of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await call('GET', `/api/contacts/${missing}`)).status).toBe(404);
      expect((await call('PATCH', `/api/contacts/${missing}`, { notes: 'x' })).status).toBe(404);
      expect((await call('DELETE', `/api/contacts/${missing}`)).status).toBe(404);
    }
    const temp = await call('POST', '/api/contacts', { firstName: 'Temp' });
    expect((await call('DELETE', `/api/contacts/${temp.body.data.id}`)).status).toBe(200);
    expect((await call('GET', `/api/contacts/${temp.body.data.id}`)).status).toBe(404);
  });

  it('searches contacts by name, company and phone in any format, with keyset pages that neither skip nor repeat', async () => {
    for (let i = 0; i < 7; i++)
      await addContact(db(), {
        firstName: `Page${i}`,
        lastName: 'Tester',
        company: i === 3 ? 'Zebra Logistics' : null,
        phoneE164: `+1312555010${i}`,
      });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: Body } = await call(
        'GET',
        `/api/contacts?q=tester&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...res.body.data.map((c: { id: string }) => c.id));
      cursor = res.body.pagination!.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(
      (await call('GET', '/api/contacts?q=zebra')).body.data.map((c: { firstName: string }) => c.firstName),
    ).toEqual(['Page3']);
    for (const format of ['(312) 555-0104', '+1 312 555 0104', '3125550104', '555-0104']) {
      const res = await call('GET', `/api/contacts?q=${encodeURIComponent(format)}`);
      expect(
        res.body.data.map((c: { firstName: string }) => c.firstName),
        format,
      ).toEqual(['Page4']);
    }
    const byScore = await call('GET', '/api/contacts?sort=score&limit=2');
    expect(byScore.status).toBe(200);
    expect((await call('GET', '/api/contacts?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/contacts?sort=shoe')).status).toBe(400);
    expect((await call('GET', '/api/contacts?cursor=bm90LWEtY3Vyc29y')).body.error?.fields).toHaveProperty('cursor');
    // A cursor whose id is 36 characters but no UUID is refused as a cursor, not sent to the database.
    const dashes = Buffer.from(JSON.stringify(['tester', '-'.repeat(36)])).toString('base64url');
    const bad = await call('GET', `/api/contacts?cursor=${dashes}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.fields).toHaveProperty('cursor');
  });

  it('identifies callers in any format and formats unknown numbers, SIP URIs and withheld callers', async () => {
    await addContact(db(), { firstName: 'Grace', lastName: 'Hopper', phoneE164: '+14155550111' });
    for (const format of [
      '+14155550111',
      '(415) 555-0111',
      '415.555.0111',
      '1-415-555-0111',
      'sip:+14155550111@sip.telnyx.com',
    ]) {
      const res = await call('GET', `/api/contacts/lookup/${encodeURIComponent(format)}`);
      expect(res.body.data, format).toMatchObject({
        isKnown: true,
        contact: { firstName: 'Grace' },
        phoneNumber: '+14155550111',
      });
    }
    const unknown = await call('GET', '/api/contacts/lookup/%2B442079460958');
    expect(unknown.body.data).toMatchObject({
      isKnown: false,
      contact: null,
      phoneNumber: '+442079460958',
      formattedNumber: '+44 20 7946 0958',
    });
    expect((await call('GET', '/api/contacts/lookup/anonymous')).body.data).toMatchObject({
      isKnown: false,
      kind: 'withheld',
    });
  });

  it('creates a contact from a caller, attaching the calls and messages that came before', async () => {
    const orphanCall = await addCall(db(), { phoneNumber: '+16175550123', startedAt: daysAgo(3) });
    await addMessage(db(), { phoneNumber: '+16175550123', occurredAt: daysAgo(2), text: 'hi' });
    const res = await call('POST', '/api/contacts/from-caller', {
      phoneNumber: '617-555-0123',
      name: 'Katherine Johnson',
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ firstName: 'Katherine', lastName: 'Johnson', phone: '+16175550123' });
    expect(res.body.data.lastContactedAt).toBe(
      daysAgo(0, new Date(Date.parse(res.body.data.lastContactedAt))).toISOString(),
    );
    const [linked] = await db().select().from(phoneRecords).where(eq(phoneRecords.id, orphanCall.id));
    expect(linked?.contactId).toBe(res.body.data.id);
    const again = await call('POST', '/api/contacts/from-caller', { phoneNumber: '+1 617 555 0123' });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(res.body.data.id);
    expect(
      (await call('POST', '/api/contacts/from-caller', { phoneNumber: 'call me' })).body.error?.fields,
    ).toHaveProperty('phoneNumber');
  });

  it('merges a duplicate, moving its calls, messages and tasks', async () => {
    const keep = await addContact(db(), { firstName: 'Alan', lastName: 'Turing', phoneE164: '+447700900001' });
    const dupe = await addContact(db(), {
      firstName: 'A.',
      lastName: 'Turing',
      email: 'alan@example.org',
      phoneE164: '+447700900002',
    });
    const c1 = await addCall(db(), { phoneNumber: '+447700900002', contactId: dupe.id, startedAt: daysAgo(5) });
    await addMessage(db(), { phoneNumber: '+447700900002', contactId: dupe.id, occurredAt: daysAgo(4) });
    await db().insert(tasks).values({ title: 'Send the paper', contactId: dupe.id, phoneRecordId: c1.id });
    expect((await call('POST', `/api/contacts/${keep.id}/merge`, { sourceId: keep.id })).status).toBe(400);
    expect(
      (await call('POST', `/api/contacts/${keep.id}/merge`, { sourceId: '00000000-0000-4000-8000-000000000000' }))
        .status,
    ).toBe(409);
    const res = await call('POST', `/api/contacts/${keep.id}/merge`, { sourceId: dupe.id });
    expect(res.status).toBe(200);
    expect(res.body.data.moved).toMatchObject({ phoneRecords: 1, messages: 1, tasks: 1 });
    expect(res.body.data.contact).toMatchObject({ email: 'alan@example.org', phone: '+447700900001' });
    expect((await call('GET', `/api/contacts/${dupe.id}`)).status).toBe(404);
    const [moved] = await db().select().from(tasks).where(eq(tasks.phoneRecordId, c1.id));
    expect(moved?.contactId).toBe(keep.id);
    expect(res.body.data.contact.relationshipScore).toBeGreaterThan(0);
  });

  it('explains a relationship score with the seed factors, trend, history and insights, and rescores everyone', async () => {
    const c = await addContact(db(), { firstName: 'Rhythm', phoneE164: '+12065550150' });
    for (const d of [70, 63, 56, 49, 42, 35])
      await addCall(db(), {
        phoneNumber: '+12065550150',
        contactId: c.id,
        startedAt: daysAgo(d),
        direction: d % 2 ? 'inbound' : 'outbound',
      });
    await db()
      .insert(tasks)
      .values({ title: 'Return the book', contactId: c.id, dueDate: daysAgo(3) });
    const res = await call('GET', `/api/contacts/${c.id}/relationship-score`);
    expect(res.status).toBe(200);
    const s = res.body.data;
    for (const f of [
      'recency',
      'frequency',
      'duration',
      'sentiment',
      'engagement',
      'usualGapDays',
      'daysSinceLast',
      'overdueRatio',
      'reciprocity',
    ])
      expect(s.factors).toHaveProperty(f);
    expect(s.factors.usualGapDays).toBe(7);
    expect(s.factors.overdueRatio).toBeGreaterThan(4);
    expect(s.insights.map((i: { kind: string }) => i.kind)).toEqual(
      expect.arrayContaining(['overdue', 'open_promises']),
    );
    expect(s.insights.find((i: { kind: string }) => i.kind === 'overdue').message).toMatch(/35 days .* usual gap of 7/);
    // Reading a score computes it as of now and writes nothing.
    expect(s.history.length).toBe(0);
    expect(['increasing', 'stable', 'decreasing']).toContain(s.trend);
    await addCall(db(), { phoneNumber: '+12065550150', contactId: c.id, startedAt: daysAgo(0), durationSeconds: 1800 });
    const after = await call('GET', `/api/contacts/${c.id}/relationship-score`);
    expect(after.body.data.history.length).toBe(0);
    expect(after.body.data.score).toBeGreaterThan(s.score);
    expect((await call('GET', '/api/contacts/00000000-0000-4000-8000-000000000000/relationship-score')).status).toBe(
      404,
    );
    const all = await call('POST', '/api/contacts/update-all-scores');
    const { n } = (
      await db()
        .select({ n: sql<number>`count(*)::int` })
        .from(contacts)
    )[0]!;
    expect(all.body.data.updated).toBe(n);
    const stored = (await call('GET', `/api/contacts/${c.id}/relationship-score`)).body.data;
    expect(stored.history.length).toBe(1);
    expect(stored.history[0].score).toBe(after.body.data.score);
    const { unscored } = (
      await db()
        .select({ unscored: sql<number>`count(*)::int` })
        .from(contacts)
        .where(sql`relationship_score is null`)
    )[0]!;
    expect(unscored).toBe(0);
  });

  it('lists, filters, pages, shows and corrects phone records; unknown ids are 404', async () => {
    const who = await addContact(db(), { firstName: 'Filter', phoneE164: '+15035550160' });
    const other = await addContact(db(), { firstName: 'Other', phoneE164: '+15035550161' });
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        await addCall(db(), {
          phoneNumber: '+15035550160',
          contactId: who.id,
          startedAt: daysAgo(10 + i),
          direction: i % 2 ? 'outbound' : 'inbound',
          status: i === 4 ? 'missed' : 'completed',
          transcript: i < 2 ? `Transcript number ${i}` : null,
          speakerSegments:
            i < 2 ? [{ speaker: 'caller', text: `Transcript number ${i}`, startMs: 0, endMs: 900 }] : null,
          summary: i < 2 ? `Summary ${i}` : null,
          sentiment: 'positive',
          stageStatus: { transcribe: { status: 'done', at: new Date().toISOString() } },
        }),
      );
    }
    await db()
      .insert(tasks)
      .values({ title: 'From the call', contactId: who.id, phoneRecordId: made[0]!.id, source: 'action_item' });
    const list = await call('GET', `/api/phone-records?contactId=${who.id}&limit=2`);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([made[0]!.id, made[1]!.id]);
    expect(list.body.data[0]).toMatchObject({ contactName: 'Filter', duration: 120, hasTranscript: true });
    const page2 = await call(
      'GET',
      `/api/phone-records?contactId=${who.id}&limit=2&cursor=${list.body.pagination!.nextCursor}`,
    );
    expect(page2.body.data.map((r: { id: string }) => r.id)).toEqual([made[2]!.id, made[3]!.id]);
    expect((await call('GET', `/api/phone-records?contactId=${who.id}&direction=outbound`)).body.data).toHaveLength(2);
    expect(
      (await call('GET', `/api/phone-records?contactId=${who.id}&status=missed`)).body.data.map(
        (r: { id: string }) => r.id,
      ),
    ).toEqual([made[4]!.id]);
    expect((await call('GET', `/api/phone-records?contactId=${who.id}&hasTranscript=true`)).body.data).toHaveLength(2);
    const window = await call(
      'GET',
      `/api/phone-records?contactId=${who.id}&from=${daysAgo(12.5).toISOString()}&to=${daysAgo(10.5).toISOString()}`,
    );
    expect(window.body.data.map((r: { id: string }) => r.id)).toEqual([made[1]!.id, made[2]!.id]);
    expect((await call('GET', '/api/phone-records?direction=sideways')).body.error?.fields).toHaveProperty('direction');
    expect((await call('GET', '/api/phone-records?from=last-week')).status).toBe(400);

    const one = await call('GET', `/api/phone-records/${made[0]!.id}`);
    expect(one.body.data).toMatchObject({
      transcript: 'Transcript number 0',
      summary: 'Summary 0',
      stageStatus: { transcribe: { status: 'done' } },
      tasks: [{ title: 'From the call' }],
    });
    expect(one.body.data.speakerSegments[0]).toMatchObject({ speaker: 'caller', startMs: 0 });
    expect((await call('GET', '/api/phone-records/00000000-0000-4000-8000-000000000000')).status).toBe(404);

    const moved = await call('PATCH', `/api/phone-records/${made[0]!.id}`, {
      contactId: other.id,
      summary: 'Corrected',
      sentiment: 'neutral',
    });
    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({
      contactId: other.id,
      contactName: 'Other',
      summary: 'Corrected',
      sentiment: 'neutral',
      provenance: { summary: 'manual', sentiment: 'manual' },
    });
    const [task] = await db().select().from(tasks).where(eq(tasks.phoneRecordId, made[0]!.id));
    expect(task?.contactId).toBe(other.id);
    expect(
      (await call('PATCH', `/api/phone-records/${made[0]!.id}`, { contactId: '00000000-0000-4000-8000-000000000000' }))
        .body.error?.fields,
    ).toHaveProperty('contactId');
    expect((await call('PATCH', `/api/phone-records/${made[0]!.id}`, { sentiment: 'ecstatic' })).status).toBe(400);
  });

  it('starts reprocessing runs as new workflows, for one call and for a filter', async () => {
    const c = await addCall(db(), {
      phoneNumber: '+17185550170',
      startedAt: daysAgo(1),
      status: 'missed',
      durationSeconds: 0,
    });
    const res = await call('POST', `/api/phone-records/${c.id}/reprocess`);
    expect(res.status).toBe(202);
    const handle = stack.client.workflow.getHandle(res.body.data.workflowId);
    const result = (await handle.result()) as { phoneRecordId: string };
    expect(result.phoneRecordId).toBe(c.id);
    expect(res.body.data.workflowId).not.toBe(callWorkflowId(c.callSessionId));
    expect((await call('POST', '/api/phone-records/00000000-0000-4000-8000-000000000000/reprocess')).status).toBe(404);
    const bulk = await call('POST', '/api/phone-records/reprocess', {
      status: 'missed',
      from: daysAgo(1.5).toISOString(),
      limit: 5,
    });
    expect(bulk.status).toBe(202);
    expect(bulk.body.data.started.map((s: { phoneRecordId: string }) => s.phoneRecordId)).toContain(c.id);
    expect((await call('POST', '/api/phone-records/reprocess', { limit: 5000 })).status).toBe(400);
  });

  it('reconciles with Telnyx detail records: creates only what is missing and runs its workflow', async () => {
    const known = await addCall(db(), { phoneNumber: '+13035550180', startedAt: daysAgo(0.1) });
    const start = daysAgo(0.05);
    fake.detailRecords.push(
      {
        record_type: 'call-control',
        call_session_id: known.callSessionId,
        direction: 'inbound',
        cli: '+13035550180',
        cld: '+13125550199',
        started_at: daysAgo(0.1).toISOString(),
        call_sec: 60,
      },
      {
        record_type: 'call-control',
        call_session_id: `cdr-${kind}-missing`,
        direction: 'inbound',
        cli: '+13035550181',
        cld: '+13125550199',
        started_at: start.toISOString(),
        finished_at: new Date(start.getTime() + 90_000).toISOString(),
        call_sec: 90,
      },
    );
    const res = await call('POST', '/api/phone-records/sync', { since: daysAgo(1).toISOString() });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      checked: 2,
      created: 1,
      alreadyKnown: 1,
      callSessionIds: [`cdr-${kind}-missing`],
    });
    await stack.client.workflow.getHandle(callWorkflowId(`cdr-${kind}-missing`)).result();
    const [row] = await db()
      .select()
      .from(phoneRecords)
      .where(eq(phoneRecords.callSessionId, `cdr-${kind}-missing`));
    expect(row).toMatchObject({ status: 'completed', durationSeconds: 90, phoneNumber: '+13035550181' });
    const again = await call('POST', '/api/phone-records/sync', { since: daysAgo(1).toISOString() });
    expect(again.body.data).toMatchObject({ created: 0, alreadyKnown: 2 });
    expect((await call('POST', '/api/phone-records/sync', { since: 'yesterday' })).status).toBe(400);
  });

  it('lists and gets messages', async () => {
    const c = await addContact(db(), { firstName: 'Texter', phoneE164: '+19175550190' });
    const m1 = await addMessage(db(), {
      phoneNumber: '+19175550190',
      contactId: c.id,
      occurredAt: daysAgo(2),
      text: 'first',
    });
    const m2 = await addMessage(db(), {
      phoneNumber: '+19175550190',
      contactId: c.id,
      occurredAt: daysAgo(1),
      text: 'second',
    });
    const list = await call('GET', `/api/messages?contactId=${c.id}&limit=1`);
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([m2.id]);
    const next = await call(
      'GET',
      `/api/messages?contactId=${c.id}&limit=1&cursor=${list.body.pagination!.nextCursor}`,
    );
    expect(next.body.data[0]).toMatchObject({ id: m1.id, text: 'first', contactName: 'Texter' });
    expect((await call('GET', `/api/messages/${m1.id}`)).body.data.text).toBe('first');
    expect((await call('GET', '/api/messages/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('does task and calendar CRUD with validation; tasks link back to their call', async () => {
    const c = await addContact(db(), { firstName: 'Tasked' });
    const pr = await addCall(db(), { phoneNumber: '+12025550111', contactId: c.id, startedAt: daysAgo(1) });
    const t = await call('POST', '/api/tasks', {
      title: 'Send contract',
      dueDate: daysAgo(-2).toISOString(),
      contactId: c.id,
      phoneRecordId: pr.id,
      priority: 'high',
    });
    expect(t.status).toBe(201);
    expect(t.body.data).toMatchObject({ title: 'Send contract', phoneRecordId: pr.id, status: 'open' });
    expect((await call('GET', `/api/tasks?phoneRecordId=${pr.id}`)).body.data.map((x: { id: string }) => x.id)).toEqual(
      [t.body.data.id],
    );
    const done = await call('PATCH', `/api/tasks/${t.body.data.id}`, { status: 'done' });
    expect(done.body.data.completedAt).toBeTruthy();
    expect((await call('GET', `/api/phone-records/${pr.id}`)).body.data.tasks[0]).toMatchObject({
      id: t.body.data.id,
      status: 'done',
    });
    expect(
      (await call('POST', '/api/tasks', { title: 'x', contactId: '00000000-0000-4000-8000-000000000000' })).body.error
        ?.fields,
    ).toHaveProperty('contactId');
    expect((await call('POST', '/api/tasks', { title: 'x', status: 'someday' })).body.error?.fields).toHaveProperty(
      'status',
    );
    expect((await call('DELETE', `/api/tasks/${t.body.data.id}`)).status).toBe(200);
    expect((await call('GET', `/api/tasks/${t.body.data.id}`)).status).toBe(404);

    const e = await call('POST', '/api/calendar', {
      title: 'Lunch',
      startTime: daysAgo(-3).toISOString(),
      contactId: c.id,
    });
    expect(e.status).toBe(201);
    expect((await call('GET', `/api/calendar?contactId=${c.id}`)).body.data).toHaveLength(1);
    expect((await call('PATCH', `/api/calendar/${e.body.data.id}`, { location: 'Cafe' })).body.data.location).toBe(
      'Cafe',
    );
    expect(
      (await call('PATCH', `/api/calendar/${e.body.data.id}`, { endTime: daysAgo(10).toISOString() })).body.error
        ?.fields,
    ).toHaveProperty('endTime');
    expect((await call('POST', '/api/calendar', { title: 'No time' })).body.error?.fields).toHaveProperty('startTime');
    expect((await call('DELETE', `/api/calendar/${e.body.data.id}`)).status).toBe(200);
    expect((await call('GET', `/api/calendar/${e.body.data.id}`)).status).toBe(404);
  });

  it("serves the dashboard overview and a contact's intelligence", async () => {
    const c = await addContact(db(), { firstName: 'Dash', phoneE164: '+13105550111' });
    await addCall(db(), {
      phoneNumber: '+13105550111',
      contactId: c.id,
      startedAt: daysAgo(1),
      sentiment: 'positive',
      sentimentScore: 0.8,
      topics: ['budget', 'travel'],
    });
    await addCall(db(), {
      phoneNumber: '+13105550111',
      contactId: c.id,
      startedAt: daysAgo(2),
      status: 'missed',
      durationSeconds: 0,
    });
    await addMessage(db(), {
      phoneNumber: '+13105550111',
      contactId: c.id,
      occurredAt: daysAgo(1),
      text: 'see you',
      sentimentScore: 0.5,
    });
    await db()
      .insert(tasks)
      .values({ title: 'Book flights', contactId: c.id, dueDate: daysAgo(-1) });
    const o = await call('GET', '/api/dashboard/overview');
    expect(o.status).toBe(200);
    expect(o.body.data.counts.callsThisWeek).toBeGreaterThanOrEqual(2);
    expect(o.body.data.counts.missedCallsThisWeek).toBeGreaterThanOrEqual(1);
    expect(o.body.data.callStats).toHaveLength(7);
    expect(o.body.data.upcomingTasks.map((t: { title: string }) => t.title)).toContain('Book flights');
    const i = await call('GET', `/api/dashboard/contacts/${c.id}/intelligence`);
    expect(i.status).toBe(200);
    expect(i.body.data.interactions).toMatchObject({
      totalCalls: 2,
      missedCalls: 1,
      totalMessages: 1,
      sentiments: { positive: 1 },
    });
    expect(i.body.data.sentimentTrend).toHaveLength(12);
    expect(i.body.data.topics.map((t: { topic: string }) => t.topic)).toEqual(['budget', 'travel']);
    expect(i.body.data.tasks.map((t: { title: string }) => t.title)).toEqual(['Book flights']);
    expect(i.body.data.insights.length).toBe(i.body.data.insightDetails.length);
    expect(
      (await call('GET', '/api/dashboard/contacts/00000000-0000-4000-8000-000000000000/intelligence')).status,
    ).toBe(404);
  });

  it('refuses query parameters a route does not declare, naming them', async () => {
    const res = await call('GET', '/api/messages?statuss=missed&=x');
    expect(res.status).toBe(400);
    const body = res.body as unknown as { message: string; error: { fields: Record<string, string> } };
    expect(body.message).toBe('Unknown query parameters: statuss, (empty name)');
    expect(body.error.fields).toEqual({
      statuss: 'not a parameter of this route',
      '(empty name)': 'not a parameter of this route',
    });
    expect((await call('GET', '/api/messages?limit=5')).status).toBe(200);
  });

  it('answers injection attempts and oversized queries cleanly', async () => {
    const before = (
      await db()
        .select({ n: sql<number>`count(*)::int` })
        .from(contacts)
    )[0]!.n;
    for (const q of ["'; drop table contacts; --", '%_\\', '" OR 1=1 --', '!!!&&|(', 'sip:evil@x']) {
      for (const path of ['/api/search', '/api/search/fulltext', '/api/search/semantic', '/api/contacts']) {
        const res = await call('GET', `${path}?q=${encodeURIComponent(q)}`);
        expect(res.status, `${path} ${q}`).toBe(200);
      }
      expect((await call('GET', `/api/contacts/lookup/${encodeURIComponent(q)}`)).status).toBe(200);
    }
    expect(
      (
        await db()
          .select({ n: sql<number>`count(*)::int` })
          .from(contacts)
      )[0]!.n,
    ).toBe(before);
    expect((await call('GET', `/api/search?q=${'a'.repeat(501)}`)).body.error?.fields).toHaveProperty('q');
    expect((await call('GET', `/api/contacts?q=${'a'.repeat(201)}`)).status).toBe(400);
    expect((await call('GET', '/api/search?q=')).status).toBe(400);
    expect((await call('GET', '/api/search?q=x&limit=10000')).status).toBe(400);
  });
});
