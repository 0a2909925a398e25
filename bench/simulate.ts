/**
 * `npm run simulate -- --calls N [--sms M] [--talk K] [--duplicates 0.2] [--shuffle] [--known 0.5] [--target URL[,URL...]]`
 *
 * `--talk K` adds K TeXML calls whose caller talks to the live receptionist over the media stream
 * (leaves a message and books a callback): each turn's voice-to-voice time is printed, and the call
 * must end with the conversation stored, the callback booked and the owner's task made.
 * Plays realistic, signed Telnyx call and SMS lifecycles against a running instance (embedded or
 * remote), serving dual-channel recordings of synthetic speech from a local recording host, then
 * follows the REST API until every call and message has finished its pipeline (or `--wait`
 * seconds pass). It prints each call's end state, the failures per stage with their reasons, and
 * exits non-zero when a call did not reach the end state it should have.
 *
 * `--known` is the share of callers made contacts (through the API) before they call. Keys:
 * embedded instances are signed for with the development key in the data folder; for a remote
 * one pass `--key <pkcs8.pem>` whose public half is the target's TELNYX_PUBLIC_KEY, and `--token`
 * (or API_TOKENS) to read its API. `--recording-host` sets the address the target uses to
 * download recordings (default 127.0.0.1). Several `--target` URLs (a cluster's API processes)
 * share the webhooks in turn; the API is read from the first. Like Telnyx, a webhook the target
 * cannot take (no connection, or a 5xx) is retried with backoff for `--retry-seconds` (default 60).
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  callLifecycle,
  deliverAsTelnyx,
  smsReceived,
  startFakeTelnyx,
} from '../activities/providers/telephony/fake.js';
import { STAGES } from '../contract/stages.js';
import { checkCall, type CallPlan, type CallRecord, type Notification } from './expectations.js';
import { arg, argString } from './lib.js';
import { dialogueAudio, dialogueText, DIALOGUES } from '../fixtures/speech.js';
import { talkToReceptionist, type Talk } from './talking-caller.js';

const calls = arg('calls', 5);
const sms = arg('sms', 0);
const talk = arg('talk', 0);
const duplicates = arg('duplicates', 0);
const known = arg('known', 0.5);
const shuffle = process.argv.includes('--shuffle');
const targets = (argString('target') ?? `http://localhost:${process.env.PORT ?? 3000}`)
  .split(',')
  .map((t) => t.trim().replace(/\/$/, ''))
  .filter(Boolean);
const target = targets[0]!;
let nextTarget = 0;
/** Webhooks go to each API process in turn. */
const webhookTarget = () => targets[nextTarget++ % targets.length]!;
const dataDir = process.env.DATA_DIR ?? '.data';
const waitSeconds = arg('wait', 300);
const retrySeconds = arg('retry-seconds', 60);
/** Webhooks per second across all calls (0: as fast as `--concurrency` allows). */
const rate = arg('rate', 0);
let nextSlot = 0;
/** Waits for the next send slot when `--rate` paces the webhooks. */
async function paced(): Promise<void> {
  if (!rate) return;
  const now = Date.now();
  const at = Math.max(now, nextSlot);
  nextSlot = at + 1000 / rate;
  if (at > now) await new Promise((r) => setTimeout(r, at - now));
}
const concurrency = arg('concurrency', 8);
const ourNumber = argString('to') ?? '+13125550199';
const say = (s: string) => console.log(`[simulate] ${s}`);

async function loadKey(): Promise<KeyObject> {
  const file = argString('key') ?? path.join(dataDir, 'telnyx-dev-key.pem');
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch {
    throw new Error(
      `No signing key at ${file}. Start the embedded instance once (npm start) or pass --key <pkcs8.pem>.`,
    );
  }
}
async function loadToken(): Promise<string> {
  const given = argString('token') ?? process.env.API_TOKENS?.split(',')[0];
  const token = given?.trim() || (await readFile(path.join(dataDir, 'api-token'), 'utf8').catch(() => '')).trim();
  if (!token)
    throw new Error(
      `No API token: pass --token, set API_TOKENS, or run against the embedded instance whose data folder is ${dataDir}.`,
    );
  return token;
}

const acks = new Map<string, number>();
let sent = 0;
const count = (k: string) => acks.set(k, (acks.get(k) ?? 0) + 1);
const progress = (extra = '') =>
  process.stdout.write(
    `\r[simulate] sent ${sent}, acks ${[...acks].map(([k, v]) => `${k}:${v}`).join(' ')} ${extra}   `,
  );

/**
 * Deliver one webhook as Telnyx does: signed, and retried with backoff when the target cannot
 * take it (no connection, or a 5xx) for up to `--retry-seconds` (default 60; 0 sends once).
 * Each attempt is signed afresh, as Telnyx signs each delivery.
 */
async function post(key: KeyObject, route: string, body: unknown) {
  sent++;
  await paced();
  const { outcome, retries } = await deliverAsTelnyx(
    `${webhookTarget()}${route}`,
    key,
    JSON.stringify(body),
    retrySeconds,
  );
  for (let i = 0; i < retries; i++) count('retried');
  count(outcome);
}

/** Duplicate events with probability p and optionally shuffle one call's sequence. */
function deliveries<T>(events: T[]): T[] {
  const out = events.flatMap((e) => (Math.random() < duplicates ? [e, e] : [e]));
  return shuffle
    ? out
        .map((e) => ({ e, k: Math.random() }))
        .sort((a, b) => a.k - b.k)
        .map(({ e }) => e)
    : out;
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

function api(token: string) {
  /** One request; an API process that is restarting (no connection, 503) is waited for, up to `--retry-seconds`. */
  const send = async (method: string, p: string, body?: unknown): Promise<Response> => {
    const giveUpAt = Date.now() + retrySeconds * 1000;
    for (;;) {
      try {
        const res = await fetch(`${target}${p}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        if (res.status !== 503 || Date.now() >= giveUpAt) return res;
        await res.arrayBuffer();
      } catch (err) {
        if (Date.now() >= giveUpAt) throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await send(method, p, body);
    const json = (await res.json().catch(() => ({}))) as {
      data: unknown;
      pagination?: { nextCursor: string | null };
      message?: string;
    };
    if (!res.ok && res.status !== 409) throw new Error(`${method} ${p}: HTTP ${res.status} ${json.message ?? ''}`);
    return json;
  };
  /** Every item of a keyset-paged list. */
  const all = async <T>(p: string): Promise<T[]> => {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `${p}${p.includes('?') ? '&' : '?'}limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      out.push(...(page.data as T[]));
      cursor = page.pagination?.nextCursor ?? null;
    } while (cursor);
    return out;
  };
  return { call, all };
}

/** The n-th caller of a run's block: calls from +1312555…, texts from +1312556…, talks from +1312557…. */
const caller = (exchange: 5 | 6 | 7, n: number) => `+131255${exchange}${String(n).padStart(4, '0')}`;

/**
 * A fresh block of caller numbers per run, so runs against one instance do not mix: blocks do not
 * overlap, and one where an earlier run left a contact is passed over (this run's unknown callers
 * must be unknown).
 */
async function freshBlock(rest: ReturnType<typeof api>, calls: number): Promise<number> {
  const stride = Math.max(10, Math.ceil(calls / 10) * 10);
  const blocks = Math.floor(10_000 / stride);
  if (blocks < 1) throw new Error(`--calls ${calls}: at most 10,000 callers per run`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const block = Math.floor(Math.random() * blocks) * stride;
    let taken = false;
    for (let i = 0; i < calls && !taken; i++) {
      const found = await rest.call('GET', `/api/contacts/lookup/${encodeURIComponent(caller(5, block + i))}`);
      taken = (found.data as { isKnown: boolean }).isKnown;
    }
    if (!taken) return block;
  }
  throw new Error('no block of caller numbers without contacts after 50 tries');
}

async function main() {
  const key = await loadKey();
  const token = await loadToken();
  const rest = api(token);
  const host = await startFakeTelnyx(0, argString('recording-host') ?? '127.0.0.1');
  const audio = [];
  for (let i = 0; i < DIALOGUES.length; i++) audio.push(await dialogueAudio(dataDir, i));
  const plans: CallPlan[] = [];
  const messageIds: string[] = [];
  try {
    const block = await freshBlock(rest, calls);
    const lifecycles = [];
    for (let i = 0; i < calls; i++) {
      const answered = i % 5 !== 4;
      const from = caller(5, block + i);
      const isKnown = Math.random() < known;
      const name = `Sim Caller ${block + i}`;
      if (isKnown) await rest.call('POST', '/api/contacts/from-caller', { phoneNumber: from, name });
      const url = answered
        ? host.hostRecording(`sim-${randomUUID()}.wav`, audio[i % audio.length]!, 'audio/wav')
        : undefined;
      const life = callLifecycle({ from, to: ourNumber, answered, talkSeconds: 20 + (i % 7) * 15, recordingUrl: url });
      plans.push({
        callSessionId: life.callSessionId,
        from,
        answered,
        known: isKnown,
        ...(isKnown ? { name } : {}),
        text: answered ? dialogueText(DIALOGUES[i % DIALOGUES.length]!) : undefined,
      });
      lifecycles.push(life);
    }
    const ticker = setInterval(() => progress(), 500);
    await pool(lifecycles, concurrency, async (life) => {
      for (const event of deliveries(life.events)) await post(key, '/webhooks/telnyx/voice', event);
    });
    const texts = Array.from({ length: sms }, (_, i) =>
      smsReceived(
        caller(6, block + i),
        ourNumber,
        `Simulated text ${i}: ${dialogueText(DIALOGUES[i % DIALOGUES.length]!).slice(0, 80)}`,
      ),
    );
    for (const t of texts)
      messageIds.push(String(((t.data as Record<string, unknown>).payload as Record<string, unknown>).id));
    await pool(texts, concurrency, async (t) => {
      for (const event of deliveries([t])) await post(key, '/webhooks/telnyx/messaging', event);
    });
    clearInterval(ticker);
    progress('\n');
    const talks: Talk[] = [];
    for (let i = 0; i < talk; i++) {
      const from = caller(7, block + i);
      const isKnown = Math.random() < known;
      const name = 'Priya Patel';
      if (isKnown) await rest.call('POST', '/api/contacts/from-caller', { phoneNumber: from, name });
      const t = await talkToReceptionist({ target: webhookTarget(), key, host, from, to: ourNumber, known: isKnown });
      talks.push(t);
      plans.push({
        callSessionId: t.callSessionId,
        from,
        answered: true,
        known: isKnown,
        ...(isKnown ? { name } : {}),
        text: t.text,
      });
      say(
        `talking call ${t.callSessionId.slice(-8)}: ${t.latencies.length} turns, voice to voice ${t.latencies.map((l) => `${(l / 1000).toFixed(2)} s`).join(', ')}${t.finished ? ', the receptionist hung up' : ', NOT FINISHED by the receptionist'}`,
      );
    }
    const ok = (await follow(rest, plans, messageIds)) && (await checkTalks(rest, talks));
    process.exitCode = ok ? 0 : 1;
  } finally {
    await host.close();
  }
}

/** Each talking call holds its conversation, the callback it booked and the owner's task. */
async function checkTalks(rest: ReturnType<typeof api>, talks: Talk[]): Promise<boolean> {
  let good = true;
  const records = await rest.all<CallRecord>('/api/phone-records');
  for (const t of talks) {
    const r = records.find((x) => x.callSessionId === t.callSessionId);
    const detail = r
      ? ((await rest.call('GET', `/api/phone-records/${r.id}`)).data as {
          conversation: {
            turns: { speaker: string }[];
            outcome: { result: string; message?: { callbackSpoken?: string }; taskId?: string } | null;
          } | null;
          tasks: { id: string; title: string }[];
        })
      : undefined;
    const c = detail?.conversation;
    const task = detail?.tasks.find((x) => x.id === c?.outcome?.taskId);
    const ok = t.finished && c?.outcome?.result === 'callback_booked' && task !== undefined;
    if (!ok) good = false;
    say(
      `talking call ${t.callSessionId.slice(-8)}: ${c ? `${c.turns.length} turns stored, ${c.outcome?.result ?? 'no outcome'}` : 'no conversation'}${task ? `, task "${task.title}"` : ', no task'}${ok ? '' : ' -- NOT AS EXPECTED'}`,
    );
  }
  return good;
}

const finishedStatus = (s?: string) => s === 'done' || s === 'failed' || s === 'skipped';

async function follow(rest: ReturnType<typeof api>, plans: CallPlan[], messageIds: string[]): Promise<boolean> {
  const want = new Map(plans.map((p) => [p.callSessionId, p]));
  const deadline = Date.now() + waitSeconds * 1000;
  let found = new Map<string, CallRecord>();
  for (;;) {
    found = new Map();
    for (const r of await rest.all<CallRecord>('/api/phone-records'))
      if (want.has(r.callSessionId)) found.set(r.callSessionId, r);
    const finished = [...found.values()].filter((r) => finishedStatus(r.stageStatus?.notify?.status));
    process.stdout.write(
      `\r[simulate] calls recorded ${found.size}/${want.size}, pipelines finished ${finished.length}   `,
    );
    if ((finished.length === want.size && found.size === want.size) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  process.stdout.write('\n');
  // A late event can still start a second pass: give the last ones a moment to settle.
  await new Promise((r) => setTimeout(r, 4000));
  const records = (await rest.all<CallRecord>('/api/phone-records')).filter((r) => want.has(r.callSessionId));
  for (const r of records) found.set(r.callSessionId, r);
  const notes = await rest.all<Notification>('/api/notifications');
  let good = true;
  // Exactly once: one phone record per call, whichever API process took its events.
  const doubled = records.length - new Set(records.map((r) => r.callSessionId)).size;
  if (doubled) {
    good = false;
    say(`${doubled} call(s) recorded more than once`);
  }
  const byStage = new Map<string, Map<string, number>>();
  const reasons = new Map<string, Map<string, number>>();
  for (const plan of plans) {
    const r = found.get(plan.callSessionId);
    for (const [stage, s] of Object.entries(r?.stageStatus ?? {})) {
      const m = byStage.get(stage) ?? new Map<string, number>();
      m.set(s.status, (m.get(s.status) ?? 0) + 1);
      byStage.set(stage, m);
      if (s.status === 'failed' || s.status === 'skipped') {
        const why = reasons.get(stage) ?? new Map<string, number>();
        const key = `${s.status}: ${s.error ?? 'no reason given'}`;
        why.set(key, (why.get(key) ?? 0) + 1);
        reasons.set(stage, why);
      }
    }
    const problems = checkCall(plan, r, notes);
    const who = `${plan.known ? 'contact' : 'unknown'} ${plan.answered ? 'answered' : 'missed'}`;
    if (problems.length) good = false;
    say(
      `call ${plan.callSessionId.slice(0, 8)} (${who}): ${r?.status ?? 'not recorded'}${problems.length ? ` -- NOT AS EXPECTED: ${problems.join('; ')}` : ', as expected'}`,
    );
  }
  say(`phone records: ${found.size} of ${plans.length} calls`);
  for (const stage of STAGES) {
    const m = byStage.get(stage);
    say(`  ${stage.padEnd(10)} ${m ? [...m].map(([k, v]) => `${k} ${v}`).join(', ') : '-'}`);
    for (const [why, n] of reasons.get(stage) ?? []) say(`      ${n} x ${why}`);
  }
  const live = notes.filter(
    (n) => n.status !== 'retracted' && plans.some((p) => found.get(p.callSessionId)?.id === n.callId),
  );
  const retracted = notes.filter(
    (n) => n.status === 'retracted' && plans.some((p) => found.get(p.callSessionId)?.id === n.callId),
  );
  say(
    `notifications: ${live.length} (${[...new Set(live.map((n) => n.rule))].join(', ') || 'none'}), ${retracted.length} retracted`,
  );
  if (messageIds.length) {
    const msgs = (await rest.all<{ telnyxMessageId: string }>('/api/messages')).filter((m) =>
      messageIds.includes(String(m.telnyxMessageId)),
    );
    const distinct = new Set(msgs.map((m) => String(m.telnyxMessageId))).size;
    say(
      `messages stored ${distinct}/${messageIds.length}${msgs.length > distinct ? ` (${msgs.length - distinct} stored twice)` : ''}`,
    );
    if (msgs.length !== messageIds.length || distinct !== messageIds.length) good = false;
  }
  say(
    good
      ? 'every call reached the end state it should have'
      : 'SOME CALLS DID NOT REACH THEIR EXPECTED END STATE (see above)',
  );
  return good;
}

main().catch((err) => {
  console.error(`\n[simulate] ${(err as Error).message}`);
  process.exit(1);
});
