/** The Windmill operator scripts, run as Windmill would run them (their `main`), against the real API. */
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCall, addContact, daysAgo } from '../test/seed.js';
import { startStack, type Stack } from '../test/stack.js';
import { main as rescoreAll } from './f/command_center/rescore_all.ts';
import { main as reprocessCalls } from './f/command_center/reprocess_calls.ts';
import { main as syncHistory } from './f/command_center/sync_history.ts';
import { main as weeklyDigest } from './f/command_center/weekly_digest.ts';
import { main as smartReminders } from './f/command_center/smart_reminders.ts';
import { main as onFailure } from './f/command_center/on_failure.ts';
import { main as connectionTest } from './f/command_center/api.ts';
import { createServer } from 'node:http';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { staleMetadata } from './metadata.js';
import { freePort } from '../platform/ports.js';

let stack: Stack;
/** A stand-in for Uptime Kuma's push endpoint: the last ping per monitor token. */
const kuma = {
  pings: new Map<string, { status: string; msg: string }>(),
  base: '',
  url: (token: string) => `${kuma.base}/api/push/${token}`,
};
const kumaServer = createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://x');
  const token = u.pathname.split('/').pop()!;
  kuma.pings.set(token, { status: u.searchParams.get('status') ?? '', msg: u.searchParams.get('msg') ?? '' });
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
});
const call = async (method: string, p: string, body?: unknown) => {
  const res = await fetch(`${api.base_url}${p}`, {
    method,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data: unknown };
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
};
const get = <T>(p: string) => call('GET', p) as Promise<T>;
let server: ReturnType<typeof serve>;
let api: { base_url: string; token: string };

beforeAll(async () => {
  stack = await startStack();
  const port = await freePort();
  server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' });
  api = { base_url: `http://127.0.0.1:${port}`, token: stack.token };
  await new Promise<void>((resolve) => kumaServer.listen(0, '127.0.0.1', resolve));
  kuma.base = `http://127.0.0.1:${(kumaServer.address() as { port: number }).port}`;
  const c = await addContact(stack.database.db, { firstName: 'Weekly', lastName: 'Caller', phoneE164: '+12065550150' });
  for (const d of [40, 33, 26, 19])
    await addCall(stack.database.db, { phoneNumber: '+12065550150', contactId: c.id, startedAt: daysAgo(d) });
  const other = await addContact(stack.database.db, {
    firstName: 'Recent',
    lastName: 'Caller',
    phoneE164: '+12065550151',
  });
  await addCall(stack.database.db, {
    phoneNumber: '+12065550151',
    contactId: other.id,
    startedAt: daysAgo(0.5),
    status: 'missed',
    durationSeconds: 0,
  });
});
afterAll(async () => {
  server?.close();
  kumaServer.close();
  await stack?.stop();
});

describe('windmill scripts', () => {
  it('rescores everyone, then delivers the digest naming who is overdue, once per week', async () => {
    const scored = await rescoreAll(api, kuma.url('rescore_all'));
    expect(scored.updated).toBe(2);
    expect(kuma.pings.get('rescore_all')).toMatchObject({ status: 'up', msg: '2 contacts rescored' });
    const digest = await weeklyDigest(api, kuma.url('weekly_digest'));
    // Windmill keeps job results: the script returns counts, never the digest's text.
    expect(Object.keys(digest).sort()).toEqual(['needsAttention', 'sent', 'week', 'workflowId']);
    expect(digest.needsAttention).toBe(1);
    // Delivered: the digest is in the owner's inbox; a second run the same week delivers nothing.
    expect(digest.sent).toBe(1);
    const inbox = await get<{ rule: string; title: string; body: string }[]>('/api/notifications?limit=50');
    const delivered = inbox.filter((n) => n.rule === 'weekly_digest');
    expect(delivered).toHaveLength(1);
    const markdown = delivered[0]!.body;
    expect(markdown).toContain('**This week:** 1 calls (1 missed)');
    // weekly rhythm, silent for 19 days: overdue; the caller from this morning is not
    expect(markdown).toContain('**Reach out to:**\n- Weekly Caller (last contact 19 days ago)');
    expect(markdown).not.toContain('Recent Caller');
    expect((await weeklyDigest(api)).sent).toBe(0);
    expect(kuma.pings.get('weekly_digest')?.status).toBe('up');
  });

  it('reminds of tasks coming due and contacts overdue, once per item per day', async () => {
    const contact = (await get<{ id: string }[]>('/api/contacts?q=Weekly'))[0]!;
    const due = new Date(Date.now() + 6 * 3_600_000).toISOString();
    await call('POST', '/api/tasks', { title: 'Send the signed lease', dueDate: due, contactId: contact.id });
    await call('POST', '/api/tasks', {
      title: 'Next month',
      dueDate: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    const first = await smartReminders(api, kuma.url('smart_reminders'));
    expect(first).toMatchObject({ tasks: 1, contacts: 1, sent: 2 });
    const inbox = await get<{ rule: string; title: string }[]>('/api/notifications?limit=50');
    expect(inbox.filter((n) => n.rule === 'task_due').map((n) => n.title)).toEqual(['Due soon: Send the signed lease']);
    expect(inbox.filter((n) => n.rule === 'contact_overdue').map((n) => n.title)).toEqual([
      'Reach out to Weekly Caller',
    ]);
    expect(await smartReminders(api)).toMatchObject({ tasks: 1, contacts: 1, sent: 0 });
    expect(kuma.pings.get('smart_reminders')).toMatchObject({ status: 'up' });
  });

  it("the error handler turns the schedule's monitor red with the reason; the resource test answers", async () => {
    const r = await onFailure(
      { name: 'Error', message: 'POST /api/owner/digest: 503' },
      'f/command_center/weekly_digest',
      'f/command_center/weekly_digest',
      kuma.url('weekly_digest'),
    );
    expect(r.reported).toBe(true);
    expect(kuma.pings.get('weekly_digest')).toMatchObject({ status: 'down' });
    expect(kuma.pings.get('weekly_digest')!.msg).toContain('503');
    expect(await connectionTest(api)).toHaveProperty('webhooks');
  });

  it('starts reconciliation and reprocessing through the API', async () => {
    const sync = await syncHistory(api, 2, 10);
    expect(sync).toMatchObject({ checked: 0, created: 0 });
    const re = await reprocessCalls(api, daysAgo(1).toISOString(), undefined, undefined, 'missed', 5);
    expect(re.started).toHaveLength(1);
  });

  it("fails loudly with the API's error when the token is wrong", async () => {
    await expect(rescoreAll({ ...api, token: 'wrong' })).rejects.toThrow(/401 unauthorized/);
  });
});

describe('the Windmill project', { timeout: 300_000 }, () => {
  it("passes Windmill's own CLI lint, with a schedule, error handler and heartbeat per scheduled script", async () => {
    const wmill = path.join(import.meta.dirname, '..', 'node_modules', '.bin', 'wmill');
    const { stdout } = await promisify(execFile)(wmill, ['lint', import.meta.dirname], {
      env: { ...process.env, NO_COLOR: '1', HOME: '/tmp' },
    });
    expect(stdout).toMatch(/Lint passed \((\d+) file\(s\) validated, \1 valid\)/);
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = path.join(import.meta.dirname, 'f', 'command_center');
    const schedules = (await readdir(dir)).filter((f) => f.endsWith('.schedule.yaml'));
    expect(schedules.sort()).toEqual(
      ['rescore_all', 'smart_reminders', 'sync_history', 'weekly_digest'].map((n) => `${n}.schedule.yaml`),
    );
    for (const file of schedules) {
      const text = await readFile(path.join(dir, file), 'utf8');
      expect(text).toContain('on_failure: script/f/command_center/on_failure');
      expect(text).toContain(`heartbeat_url: http://uptime-kuma:3001/api/push/${file.replace('.schedule.yaml', '')}`);
    }
    expect(await readFile(path.join(import.meta.dirname, 'wmill.yaml'), 'utf8')).toMatch(/^includeSchedules: true$/m);
  });

  it("has the metadata Windmill's CLI generates from the scripts (every argument), and a lock per script", async () => {
    expect(await staleMetadata()).toEqual([]);
  });
});
