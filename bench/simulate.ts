/**
 * `npm run simulate -- --calls N [--sms M] [--duplicates 0.2] [--shuffle] [--target URL]`
 *
 * Plays realistic, signed Telnyx call and SMS lifecycles against a running instance (embedded or
 * remote), serving recordings of synthetic speech from a local recording host, then follows the
 * REST API until every call and message has finished its pipeline (or `--wait` seconds pass) and
 * prints what reached each stage.
 *
 * Keys: embedded instances are signed for with the development key in the data folder; for a
 * remote one pass `--key <pkcs8.pem>` whose public half is the target's TELNYX_PUBLIC_KEY, and
 * `--token` (or API_TOKENS) to read its API. `--recording-host` sets the address the target uses
 * to download recordings (default 127.0.0.1).
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { callLifecycle, signTelnyx, smsReceived, startFakeTelnyx } from '../activities/providers/telephony/fake.js';
import { arg, argString } from './lib.js';
import { dialogueAudio, DIALOGUES } from './speech.js';

const calls = arg('calls', 5);
const sms = arg('sms', 0);
const duplicates = arg('duplicates', 0);
const shuffle = process.argv.includes('--shuffle');
const target = (argString('target') ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const dataDir = process.env.DATA_DIR ?? '.data';
const waitSeconds = arg('wait', 180);
const concurrency = arg('concurrency', 8);
const ourNumber = argString('to') ?? '+13125550199';

async function loadKey(): Promise<KeyObject> {
  const file = argString('key') ?? path.join(dataDir, 'telnyx-dev-key.pem');
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch {
    throw new Error(`No signing key at ${file}. Start the embedded instance once (npm start) or pass --key <pkcs8.pem>.`);
  }
}
async function loadToken(): Promise<string | undefined> {
  const given = argString('token') ?? process.env.API_TOKENS?.split(',')[0];
  if (given) return given.trim();
  return (await readFile(path.join(dataDir, 'api-token'), 'utf8').catch(() => '')).trim() || undefined;
}

const acks = new Map<string, number>();
let sent = 0;
const count = (k: string) => acks.set(k, (acks.get(k) ?? 0) + 1);
const progress = (extra = '') => process.stdout.write(`\r[simulate] sent ${sent}, acks ${[...acks].map(([k, v]) => `${k}:${v}`).join(' ')} ${extra}   `);

async function post(key: KeyObject, route: string, body: unknown) {
  const text = JSON.stringify(body);
  sent++;
  try {
    const res = await fetch(`${target}${route}`, { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...signTelnyx(key, text) } });
    count(String(res.status));
    await res.arrayBuffer();
  } catch (err) {
    count(`error(${(err as Error).message.slice(0, 30)})`);
  }
}

/** Duplicate events with probability p and optionally shuffle one call's sequence. */
function deliveries<T>(events: T[]): T[] {
  const out = events.flatMap((e) => (Math.random() < duplicates ? [e, e] : [e]));
  return shuffle ? out.map((e) => ({ e, k: Math.random() })).sort((a, b) => a.k - b.k).map(({ e }) => e) : out;
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

async function main() {
  const key = await loadKey();
  const token = await loadToken();
  const host = await startFakeTelnyx(0, argString('recording-host') ?? '127.0.0.1');
  const audio = await Promise.all(DIALOGUES.map((_, i) => dialogueAudio(dataDir, i)));
  const sessions: string[] = [];
  const messageIds: string[] = [];
  const ticker = setInterval(() => progress(), 500);
  try {
    const plans = Array.from({ length: calls }, (_, i) => {
      const answered = i % 5 !== 4;
      const url = answered ? host.hostRecording(`sim-${randomUUID()}.wav`, audio[i % audio.length]!, 'audio/wav') : undefined;
      const from = `+1312555${String(1000 + (i % 9000)).padStart(4, '0')}`;
      const life = callLifecycle({ from, to: ourNumber, answered, talkSeconds: 20 + (i % 7) * 15, recordingUrl: url });
      sessions.push(life.callSessionId);
      return life;
    });
    await pool(plans, concurrency, async (life) => {
      for (const event of deliveries(life.events)) await post(key, '/webhooks/telnyx/voice', event);
    });
    const texts = Array.from({ length: sms }, (_, i) => smsReceived(`+1312555${String(2000 + i).padStart(4, '0')}`, ourNumber, `Simulated text ${i}: ${DIALOGUES[i % DIALOGUES.length]!.slice(0, 80)}`));
    for (const t of texts) messageIds.push(String(((t.data as Record<string, unknown>).payload as Record<string, unknown>).id));
    await pool(texts, concurrency, async (t) => {
      for (const event of deliveries([t])) await post(key, '/webhooks/telnyx/messaging', event);
    });
    clearInterval(ticker);
    progress('\n');
    if (!token) {
      console.log('[simulate] no API token (pass --token): not following the pipeline.');
      return;
    }
    await follow(token, sessions, messageIds);
  } finally {
    clearInterval(ticker);
    await host.close();
  }
}

type Stage = { status: string };
async function follow(token: string, sessions: string[], messageIds: string[]) {
  const want = new Set(sessions);
  const deadline = Date.now() + waitSeconds * 1000;
  const get = async (p: string) => (await (await fetch(`${target}${p}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: Record<string, unknown>[]; pagination: { nextCursor: string | null } };
  for (;;) {
    const found = new Map<string, Record<string, unknown>>();
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof get>> = await get(`/api/phone-records?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      for (const r of page.data) if (want.has(String(r.callSessionId))) found.set(String(r.callSessionId), r);
      cursor = found.size < want.size ? page.pagination.nextCursor : null;
    } while (cursor);
    const finished = [...found.values()].filter((r) => {
      const notify = (r.stageStatus as Record<string, Stage>).notify?.status;
      return notify === 'done' || notify === 'failed';
    });
    process.stdout.write(`\r[simulate] calls recorded ${found.size}/${want.size}, pipelines finished ${finished.length}   `);
    if ((finished.length === want.size && found.size === want.size) || Date.now() > deadline) {
      process.stdout.write('\n');
      summarise(found, want.size);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (messageIds.length) {
    const msgs = (await get('/api/messages?limit=200')).data.filter((m) => messageIds.includes(String(m.telnyxMessageId)));
    console.log(`[simulate] messages stored ${msgs.length}/${messageIds.length}`);
  }
}

function summarise(found: Map<string, Record<string, unknown>>, expected: number) {
  const byStatus = new Map<string, number>();
  const stages = new Map<string, Map<string, number>>();
  for (const r of found.values()) {
    byStatus.set(String(r.status), (byStatus.get(String(r.status)) ?? 0) + 1);
    for (const [stage, s] of Object.entries(r.stageStatus as Record<string, Stage>)) {
      const m = stages.get(stage) ?? new Map<string, number>();
      m.set(s.status, (m.get(s.status) ?? 0) + 1);
      stages.set(stage, m);
    }
  }
  console.log(`[simulate] phone records: ${found.size} of ${expected} calls (${[...byStatus].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  for (const stage of ['record', 'transcribe', 'summarize', 'sentiment', 'embed', 'rescore', 'notify']) {
    const m = stages.get(stage);
    console.log(`[simulate]   ${stage.padEnd(10)} ${m ? [...m].map(([k, v]) => `${k} ${v}`).join(', ') : '-'}`);
  }
}

main().catch((err) => {
  console.error(`\n[simulate] ${(err as Error).message}`);
  process.exit(1);
});
