/**
 * Ask your calls, as a new user meets it on the embedded default (no vendor keys): three holdout
 * calls from contacts go through the real pipeline (Whisper, the offline language engine, USE),
 * then questions are asked over REST, over MCP's streamable HTTP at /mcp and over `npm run mcp`
 * (stdio), each with the MCP SDK's own client.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callLifecycle, startFakeTelnyx, type FakeTelnyx } from '../activities/providers/telephony/fake.js';
import { HOLDOUT_CALLS, HOLDOUT_QUESTIONS, NEVER_SAID } from '../fixtures/holdout-calls.js';
import { dualCall } from '../fixtures/speech.js';
import { client, embeddedEnv, eventually, repoRoot, startEmbedded, type ApiJson, type Embedded } from './product.js';

const TZ = 'America/New_York';
type Api = ReturnType<typeof client>;

/** The Friday after `from` in TZ ("by Friday" said on a Friday means next week's). */
function fridayAfter(from: Date): string {
  const dayOf = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(d);
  for (let i = 1; i <= 7; i++) {
    const d = new Date(from.getTime() + i * 86_400_000);
    if (new Intl.DateTimeFormat('en-US', { timeZone: TZ, weekday: 'long' }).format(d) === 'Friday') return dayOf(d);
  }
  throw new Error('no Friday in a week');
}

describe('ask your calls (embedded default, no vendor keys)', { timeout: 600_000 }, () => {
  let product: Embedded;
  let api: Api;
  let host: FakeTelnyx;
  const callOf = new Map<string, string>();
  const contactOf = new Map<string, string>();
  let placedAt: Date;

  const ask = async (question: string) => {
    const r = await api.request('POST', '/api/ask', { question });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json!.data as {
      answer: string;
      mode: string;
      citations: { phoneRecordId?: string; quote: string; startMs?: number }[];
    };
  };

  beforeAll(async () => {
    product = await startEmbedded({
      ...(await embeddedEnv()),
      OWNER_TIMEZONE: TZ,
      OWNER_NAME: 'Marco Rossi',
    });
    api = client(product.url, product.token, product.key);
    host = await startFakeTelnyx(0);
    placedAt = new Date();
    let n = 0;
    for (const call of HOLDOUT_CALLS) {
      const from = `+1415555${String(7000 + n++)}`;
      const made = await api.request('POST', '/api/contacts', { ...call.contact, phone: from });
      expect(made.status, JSON.stringify(made.json)).toBe(201);
      contactOf.set(call.key, made.json!.data.id);
      const url = host.hostRecording(`${randomUUID()}.wav`, (await dualCall(call.lines)).wav, 'audio/wav');
      const life = callLifecycle({ from, to: '+13125550100', answered: true, talkSeconds: 30, recordingUrl: url });
      for (const e of life.events) expect(await api.webhook('/webhooks/telnyx/voice', e)).toBe(200);
      callOf.set(life.callSessionId, call.key);
    }
    const done = await eventually(async () => {
      const rows = (await api.all('/api/phone-records')).filter((r: ApiJson) => callOf.has(r.callSessionId));
      return rows.length === callOf.size && rows.every((r: ApiJson) => r.stageStatus?.notify?.status === 'done')
        ? rows
        : null;
    }, 300_000);
    expect(done, 'every holdout call went through the pipeline').toBeTruthy();
    for (const r of done!) callOf.set(r.id, callOf.get(r.callSessionId)!);
  }, 480_000);

  afterAll(async () => {
    await host?.close();
    await product?.proc.stop('SIGINT');
  }, 120_000);

  it("spells the contact's name as in the contact", async () => {
    const roof = (await api.all('/api/phone-records')).find(
      (r: ApiJson) => callOf.get(r.callSessionId) === 'roof',
    ) as ApiJson;
    expect(roof).toBeTruthy();
    const detail = await api.get(`/api/phone-records/${roof.id}`);
    expect(detail.transcript).toMatch(/Dana Whitfield/);
    expect(detail.transcript).not.toMatch(/Dana W(?!hitfield)\w+field/);
  });

  it("turns the caller's request into the owner's task naming them, due that Friday; her promise is waited on", async () => {
    const tasks = (await api.get(`/api/tasks?contactId=${contactOf.get('roof')}&limit=50`)) as ApiJson[];
    const quote = tasks.find((t) => /revised quote/i.test(t.title));
    expect(quote, JSON.stringify(tasks.map((t) => t.title))).toBeTruthy();
    expect(quote.title).toMatch(/^Send Dana Whitfield the revised quote/);
    expect(quote.owner).toBe('me');
    expect(new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(quote.dueDate))).toBe(
      fridayAfter(placedAt),
    );
    const photos = tasks.find((t) => /photos/i.test(t.title));
    expect(photos?.title).toMatch(/^Dana sends you photos of the damage tonight/);
    expect(photos?.owner).toBe('them');
    expect(
      tasks.every((t) => !/\b(me|my)\b/i.test(t.title)),
      "no task speaks in the caller's first person",
    ).toBe(true);
  });

  it('answers each question with the one call that holds the answer, cited at its second', async () => {
    for (const q of HOLDOUT_QUESTIONS) {
      const a = await ask(q.question);
      expect(a.mode, `${q.question} -> ${a.answer}`).toBe('passages');
      expect(a.citations.length).toBeGreaterThan(0);
      expect(new Set(a.citations.map((c) => callOf.get(c.phoneRecordId!)))).toEqual(new Set([q.key]));
      expect(a.answer).toMatch(q.mentions);
      expect(a.citations[0]!.startMs).toEqual(expect.any(Number));
    }
  });

  it('says so, citing nothing, when nothing relevant was said', async () => {
    const a = await ask(NEVER_SAID);
    expect(a).toMatchObject({ mode: 'none', citations: [] });
    expect(a.answer).toMatch(/couldn't find/);
  });

  it('answers structured questions from queries: last call, what is open, who called, what is due', async () => {
    const last = await ask('When did Dana Whitfield last call?');
    expect(last.mode).toBe('facts');
    expect(callOf.get(last.citations[0]!.phoneRecordId!)).toBe('roof');
    const open = await ask("What's open with Dana?");
    expect(open.answer).toMatch(/Send Dana Whitfield the revised quote/);
    expect(open.answer).toMatch(/waiting on: Dana sends you photos/);
    const who = await ask('Who called this week?');
    expect(who.mode).toBe('facts');
    for (const name of ['Dana Whitfield', 'Sarah Lin', 'Priya Raman']) expect(who.answer).toContain(name);
    const due = await ask("What's due?");
    expect(due.answer).toMatch(/Send Dana Whitfield the revised quote/);
    expect(due.answer).not.toMatch(/waiting on/);
  });

  it('refuses a blank question with 400 naming the field, and an unsigned caller with 401', async () => {
    const blank = await api.request('POST', '/api/ask', { question: '   ' });
    expect(blank.status).toBe(400);
    expect(JSON.stringify(blank.json)).toContain('question');
    const anon = await fetch(`${product.url}/api/ask`, { method: 'POST', body: '{"question":"x"}' });
    expect(anon.status).toBe(401);
  });

  describe('the MCP server, with the SDK client', () => {
    const expectTools = async (mcp: Client) => {
      const { tools } = await mcp.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'ask',
        'get_call',
        'list_tasks',
        'lookup_caller',
        'search_calls',
      ]);
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    };
    const textOf = (r: unknown) => ((r as { content: { text: string }[] }).content[0]?.text ?? '') as string;

    it('/mcp (streamable HTTP) with the API token: every tool answers from the running product', async () => {
      const mcp = new Client({ name: 'acceptance', version: '1.0.0' });
      await mcp.connect(
        new StreamableHTTPClientTransport(new URL(`${product.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${product.token}` } },
        }),
      );
      try {
        await expectTools(mcp);
        const answer = await mcp.callTool({ name: 'ask', arguments: { question: "When is mom's birthday dinner?" } });
        expect(textOf(answer)).toMatch(/Priya.*Saturday/s);
        const cited = (answer.structuredContent as { citations: { phoneRecordId: string }[] }).citations[0]!;
        expect(callOf.get(cited.phoneRecordId)).toBe('dinner');
        const call = JSON.parse(
          textOf(await mcp.callTool({ name: 'get_call', arguments: { id: cited.phoneRecordId } })),
        );
        expect(call.transcript).toMatch(/birthday dinner/i);
        const caller = JSON.parse(
          textOf(await mcp.callTool({ name: 'lookup_caller', arguments: { name: 'Whitfield' } })),
        ) as ApiJson[];
        expect(caller.map((c) => c.id)).toEqual([contactOf.get('roof')]);
        const tasks = JSON.parse(textOf(await mcp.callTool({ name: 'list_tasks', arguments: {} }))) as ApiJson[];
        expect(tasks.some((t) => /Send Dana Whitfield the revised quote/.test(t.title))).toBe(true);
        const found = JSON.parse(
          textOf(await mcp.callTool({ name: 'search_calls', arguments: { query: 'mortgage approved' } })),
        );
        expect(callOf.get(found.hits[0].id)).toBe('bank');
        const bad = await mcp.callTool({ name: 'get_call', arguments: { id: randomUUID() } });
        expect(bad.isError).toBe(true);
        expect(textOf(bad)).toMatch(/refused GET \/api\/phone-records\/[0-9a-f-]+: /);
      } finally {
        await mcp.close();
      }
    });

    it('/mcp without the API token is 401', async () => {
      const res = await fetch(`${product.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(401);
    });

    it('npm run mcp (stdio), as Claude Desktop starts it, speaks for the running product', async () => {
      const mcp = new Client({ name: 'acceptance-stdio', version: '1.0.0' });
      const transport = new StdioClientTransport({
        command: 'npm',
        args: ['run', '--silent', 'mcp'],
        cwd: repoRoot,
        env: { ...(process.env as Record<string, string>), ...product.env, MCP_TARGET_URL: product.url },
        stderr: 'pipe',
      });
      await mcp.connect(transport);
      try {
        await expectTools(mcp);
        const answer = await mcp.callTool({ name: 'ask', arguments: { question: 'Who wanted a revised quote?' } });
        expect(textOf(answer)).toMatch(/Dana/);
      } finally {
        await mcp.close();
      }
    });
  });
});
