/** The Windmill operator scripts, run as Windmill would run them (their `main`), against the real API. */
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCall, addContact, daysAgo } from '../test/seed.js';
import { startStack, type Stack } from '../test/stack.js';
import { freePort } from '../deploy/dev-server.js';
import { main as rescoreAll } from './f/command_center/rescore_all.ts';
import { main as reprocessCalls } from './f/command_center/reprocess_calls.ts';
import { main as syncHistory } from './f/command_center/sync_history.ts';
import { main as weeklyDigest } from './f/command_center/weekly_digest.ts';

let stack: Stack;
let server: ReturnType<typeof serve>;
let api: { base_url: string; token: string };

beforeAll(async () => {
  stack = await startStack();
  const port = await freePort();
  server = serve({ fetch: stack.app.fetch, port, hostname: '127.0.0.1' });
  api = { base_url: `http://127.0.0.1:${port}`, token: stack.token };
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
  await stack?.stop();
});

describe('windmill scripts', () => {
  it('rescores everyone, then the digest names who is overdue', async () => {
    const scored = await rescoreAll(api);
    expect(scored.updated).toBe(2);
    const digest = await weeklyDigest(api);
    expect(digest.markdown).toContain('**This week:** 1 calls (1 missed)');
    // weekly rhythm, silent for 19 days: overdue; the caller from this morning is not
    expect(digest.markdown).toContain('**Reach out to:**\n- Weekly Caller (last contact 19 days ago)');
    expect(digest.markdown).not.toContain('Recent Caller');
    expect(digest.needsAttention).toBe(1);
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
