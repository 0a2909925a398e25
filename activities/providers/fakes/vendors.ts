/**
 * Fakes of Deepgram, Anthropic, an OpenAI-compatible embeddings API and ElevenLabs that speak
 * their wire formats closely enough for the official SDKs (and so our real adapters) to run
 * against them. Their answers come from the local engines, so results mean something: the
 * Anthropic fake summarises the transcript in the prompt, the embeddings fake returns real
 * sentence vectors. Deepgram cannot hear: it answers with the transcript registered for the
 * audio's hash (`speak`), else a stock one.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { muLawDecode } from '../../../platform/audio.js';
import { EMBEDDING_DIM } from '../../../contract/embeddings.js';
import { createLocalEmbeddings } from '../embeddings/local.js';
import { createLocalLanguage } from '../language/local.js';
import type { ChatBlock, ChatMessage } from '../voice/port.js';
import { startFakeServer, type FakeServer } from './server.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface FakeDeepgram extends FakeServer {
  /** What the fake "hears" in this audio: one utterance per line, channel 0 = caller. */
  speak(audio: Buffer, lines: { channel: number; text: string }[]): void;
  /** The live sockets opened so far: their query parameters and headers. */
  live: { query: URLSearchParams; headers: IncomingMessage['headers'] }[];
  /** Refuse the next live socket with this HTTP status (once). */
  refuseNextLive(status: number): void;
}

export interface FakeDeepgramOptions {
  /**
   * What the live socket "hears" as the `n`-th utterance (from 0) of the `call`-th socket (from 0):
   * the fake finds utterances by their energy, it cannot recognise words.
   */
  hear?: (n: number, call: number) => string;
  /** Added after the endpointing silence before the final result is sent (Deepgram's own time). */
  finalLatencyMs?: number;
}

/** dBFS of a µ-law frame. */
function levelOf(frame: Buffer): number {
  let sum = 0;
  for (const b of frame) {
    const s = muLawDecode(b);
    sum += s * s;
  }
  const rms = Math.sqrt(sum / Math.max(1, frame.length));
  return rms <= 1 ? -100 : 20 * Math.log10(rms / 32768);
}

/**
 * Deepgram's live protocol on `/v1/listen`: binary audio in (mulaw 8 kHz as the query says),
 * `Results` out (an interim result while the caller talks, then `is_final` + `speech_final` once
 * `endpointing` ms of silence followed speech), `UtteranceEnd`, `Metadata` on `CloseStream`.
 */
function liveListen(o: FakeDeepgramOptions, state: { calls: number; refuse?: number; live: FakeDeepgram['live'] }) {
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: number) => socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\n\r\n`);
    if (url.pathname !== '/v1/listen') return refuse(404);
    if (!/^Token \S+/.test(String(req.headers.authorization))) return refuse(401);
    if (state.refuse) {
      const status = state.refuse;
      state.refuse = undefined;
      return refuse(status);
    }
    if (url.searchParams.get('encoding') !== 'mulaw' || url.searchParams.get('sample_rate') !== '8000')
      return refuse(400);
    state.live.push({ query: url.searchParams, headers: req.headers });
    const call = state.calls++;
    const endpointing = Number(url.searchParams.get('endpointing') ?? 10);
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      let utterance = 0;
      let audioMs = 0;
      let speechMs = 0;
      let silentMs = 0;
      let speechStart = 0;
      let pending: Buffer = Buffer.alloc(0);
      const timers = new Set<NodeJS.Timeout>();
      const send = (m: object) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
      const results = (text: string, final: boolean, start: number) => ({
        type: 'Results',
        channel_index: [0, 1],
        duration: (audioMs - start) / 1000,
        start: start / 1000,
        is_final: final,
        speech_final: final,
        channel: { alternatives: [{ transcript: text, confidence: 0.98, words: [] }] },
        metadata: { request_id: 'fake', model_info: { name: 'nova-3' } },
        from_finalize: false,
      });
      ws.on('message', (data, binary) => {
        if (!binary) {
          const m = JSON.parse(String(data)) as { type?: string };
          if (m.type === 'CloseStream') {
            send({ type: 'Metadata', duration: audioMs / 1000, channels: 1, request_id: 'fake' });
            ws.close(1000);
          }
          return;
        }
        pending = Buffer.concat([pending, data as Buffer]);
        while (pending.length >= 160) {
          const frame = pending.subarray(0, 160);
          pending = pending.subarray(160);
          audioMs += 20;
          if (levelOf(frame) > -45) {
            if (speechMs === 0) speechStart = audioMs - 20;
            speechMs += 20;
            silentMs = 0;
            if (speechMs === 400) send(results('…', false, speechStart));
          } else if (speechMs > 0) {
            silentMs += 20;
            if (silentMs >= endpointing) {
              const text = (o.hear ?? (() => 'I would like to leave a message.'))(utterance++, call);
              const start = speechStart;
              speechMs = 0;
              silentMs = 0;
              const t = setTimeout(() => {
                timers.delete(t);
                send(results(text, true, start));
              }, o.finalLatencyMs ?? 0);
              timers.add(t);
            }
          }
        }
      });
      ws.on('close', () => timers.forEach(clearTimeout));
    });
  };
  return { upgrade, close: () => clients.forEach((c) => c.terminate()) };
}

export async function startFakeDeepgram(o: FakeDeepgramOptions = {}): Promise<FakeDeepgram> {
  const scripts = new Map<string, { channel: number; text: string }[]>();
  const state: { calls: number; refuse?: number; live: FakeDeepgram['live'] } = { calls: 0, live: [] };
  const live = liveListen(o, state);
  const server = await startFakeServer(
    'deepgram',
    async (req) => {
      if (req.method !== 'POST' || req.path !== '/v1/listen')
        return { status: 404, body: JSON.stringify({ err_code: 'NOT_FOUND' }) };
      if (!/^Token \S+/.test(String(req.headers.authorization)))
        return { status: 401, body: JSON.stringify({ err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.' }) };
      const lines = scripts.get(sha(req.body)) ?? [
        { channel: 0, text: 'Hi, this is a caller the fake Deepgram did not expect.' },
        { channel: 1, text: 'Thanks for calling, I will get back to you tomorrow.' },
      ];
      let t = 0;
      const utterances = lines.map((l) => {
        const dur = Math.max(1, l.text.split(/\s+/).length * 0.35);
        const u = {
          start: t,
          end: t + dur,
          confidence: 0.95,
          channel: l.channel,
          transcript: l.text,
          words: [],
          speaker: l.channel,
          id: `${t}`,
        };
        t += dur + 0.2;
        return u;
      });
      const channels = [0, 1].map((ch) => ({
        alternatives: [
          {
            transcript: lines
              .filter((l) => l.channel === ch)
              .map((l) => l.text)
              .join(' '),
            confidence: 0.95,
            words: [],
          },
        ],
      }));
      const body = {
        metadata: {
          request_id: sha(req.body).slice(0, 32),
          created: new Date().toISOString(),
          duration: t,
          channels: 2,
          models: ['nova-3'],
        },
        results: { channels, utterances },
      };
      return { body: JSON.stringify(body) };
    },
    live.upgrade,
  );
  const close = server.close;
  return Object.assign(server, {
    speak: (audio: Buffer, lines: { channel: number; text: string }[]) => void scripts.set(sha(audio), lines),
    live: state.live,
    refuseNextLive: (status: number) => void (state.refuse = status),
    close: async () => {
      live.close();
      await close();
    },
  });
}

/**
 * Anthropic Messages API: answers the forced tool call with the local engine's result, or with
 * `canned` answers (first sentence as summary, neutral sentiment) when a benchmark wants the
 * vendor to cost nothing.
 */
export interface FakeConversationOptions {
  /**
   * The assistant's turn for a streamed request (`stream: true`): the blocks it writes, text and
   * tool calls. Default: thanks the caller, and says goodbye after a tool result.
   */
  converse?: (req: { system: string; messages: ChatMessage[]; tools: { name: string }[] }) => ChatBlock[];
  /** Before the first event of a streamed reply (Claude's time to first token). */
  firstTokenMs?: number;
  /** Between the streamed deltas (each a word or so). */
  tokenMs?: number;
}

const defaultConversation: NonNullable<FakeConversationOptions['converse']> = ({ messages }) => {
  const last = messages.at(-1);
  const afterTool = Array.isArray(last?.content) && last.content.some((b) => b.type === 'tool_result');
  return [{ type: 'text', text: afterTool ? 'Thank you. Goodbye!' : 'Thank you. I will pass that on.' }];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Messages API's server-sent events for one assistant turn, paced like a model writing it. */
async function* messageEvents(
  model: string,
  blocks: ChatBlock[],
  o: FakeConversationOptions,
  id: string,
): AsyncGenerator<string> {
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  if (o.firstTokenMs) await sleep(o.firstTokenMs);
  yield event('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 1 },
    },
  });
  let tokens = 0;
  for (const [index, b] of blocks.entries()) {
    if (b.type === 'text') {
      yield event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of b.text.match(/\S+\s*/g) ?? []) {
        if (o.tokenMs) await sleep(o.tokenMs);
        tokens++;
        yield event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      }
    } else if (b.type === 'tool_use') {
      yield event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
      });
      const json = JSON.stringify(b.input);
      for (let i = 0; i < json.length; i += 12) {
        tokens++;
        yield event('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 12) },
        });
      }
    }
    yield event('content_block_stop', { index });
  }
  const stop = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  yield event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: tokens } });
  yield event('message_stop', {});
}

export async function startFakeAnthropic(o: { canned?: boolean } & FakeConversationOptions = {}): Promise<FakeServer> {
  const local = createLocalLanguage();
  return startFakeServer('anthropic', async (req) => {
    if (req.method !== 'POST' || req.path !== '/v1/messages')
      return {
        status: 404,
        body: JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }),
      };
    // The API takes the key as x-api-key; SDK 1.x sends it as a bearer token. Accept both.
    if (!req.headers['x-api-key'] && !/^Bearer \S+/.test(String(req.headers.authorization)))
      return {
        status: 401,
        body: JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }),
      };
    const body = JSON.parse(req.body.toString('utf8')) as {
      model: string;
      tools?: { name: string }[];
      messages: { content: string }[];
      stream?: boolean;
      system?: string;
    };
    if (body.stream) {
      const blocks = (o.converse ?? defaultConversation)({
        system: String(body.system ?? ''),
        messages: body.messages as ChatMessage[],
        tools: body.tools ?? [],
      });
      return {
        type: 'text/event-stream',
        headers: { 'cache-control': 'no-cache' },
        body: '',
        stream: messageEvents(body.model, blocks, o, `msg_${sha(req.body).slice(0, 24)}`),
      };
    }
    const prompt = String(body.messages[0]?.content ?? '');
    const turns = prompt
      .split('\n')
      .map((l) => /^([\w ]{1,40}): (.+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ speaker: m[1]!, text: m[2]! }));
    const tool = body.tools?.[0]?.name ?? 'call_summary';
    let input: Record<string, unknown>;
    if (tool === 'answer') {
      // Answers from the numbered passages it was given, citing the ones it quotes.
      const passages = [...prompt.matchAll(/^\[(\d+)\] ([^:\n]+): (.+)$/gm)].map((m) => ({
        n: Number(m[1]),
        who: m[2]!,
        text: m[3]!,
      }));
      input = passages.length
        ? { answer: `According to ${passages[0]!.who}: ${passages[0]!.text}`, cited: [passages[0]!.n] }
        : { answer: 'The passages do not say.', cited: [] };
    } else if (o.canned) {
      input =
        tool === 'call_sentiment'
          ? { score: 0.1, per_speaker: {} }
          : { summary: (turns[0]?.text ?? 'A call.').slice(0, 200), action_items: [], topics: [] };
    } else if (tool === 'call_sentiment') {
      const s = await local.sentiment({ turns });
      input = {
        score: s.score,
        per_speaker: Object.fromEntries(Object.entries(s.perSpeaker).map(([k, v]) => [k, v.score])),
      };
    } else {
      const occurredAt = /took place on (\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(prompt)?.[1] ?? new Date().toISOString();
      const s = await local.summarize({
        transcript: turns.map((t) => t.text).join(' '),
        turns,
        occurredAt,
        callerName: /the caller, ([^.\n]+)\./.exec(prompt)?.[1],
        timeZone: /time zone is ([\w/+-]+)\)/.exec(prompt)?.[1],
      });
      input = {
        summary: s.summary,
        action_items: s.actionItems.map((a) => ({ title: a.title, owner: a.owner, due_date: a.dueDate })),
        topics: s.topics,
      };
    }
    return {
      body: JSON.stringify({
        id: `msg_${sha(req.body).slice(0, 24)}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        stop_reason: 'tool_use',
        stop_sequence: null,
        content: [{ type: 'tool_use', id: `toolu_${sha(req.body).slice(0, 20)}`, name: tool, input }],
        usage: { input_tokens: Math.ceil(prompt.length / 4), output_tokens: 120 },
      }),
    };
  });
}

/**
 * OpenAI-compatible /v1/embeddings with real (local USE) vectors at the requested dimensions;
 * `canned` answers unit basis vectors instead (throughput benchmarks only: they carry no meaning).
 */
export async function startFakeEmbeddings(o: { canned?: boolean } = {}): Promise<FakeServer> {
  const local = createLocalEmbeddings();
  return startFakeServer('embeddings', async (req) => {
    if (req.method !== 'POST' || !req.path.endsWith('/embeddings'))
      return { status: 404, body: JSON.stringify({ error: { message: 'not found' } }) };
    if (!/^Bearer \S+/.test(String(req.headers.authorization)))
      return {
        status: 401,
        body: JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }),
      };
    const body = JSON.parse(req.body.toString('utf8')) as {
      model: string;
      input: string | string[];
      dimensions?: number;
      output_dimension?: number;
    };
    const dims = body.dimensions ?? body.output_dimension ?? EMBEDDING_DIM;
    if (dims !== EMBEDDING_DIM)
      return {
        status: 400,
        body: JSON.stringify({
          error: { message: `this fake serves ${EMBEDDING_DIM} dimensions`, type: 'invalid_request_error' },
        }),
      };
    const input = Array.isArray(body.input) ? body.input : [body.input];
    const vectors = o.canned
      ? input.map((_, i) => Array.from({ length: EMBEDDING_DIM }, (_, d) => (d === i % EMBEDDING_DIM ? 1 : 0)))
      : await local.embed(input);
    return {
      body: JSON.stringify({
        object: 'list',
        model: body.model,
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      }),
    };
  });
}

/** ElevenLabs text-to-speech: POST /v1/text-to-speech/{voice_id} answers audio/mpeg bytes. */
export async function startFakeElevenLabs(o: { firstAudioMs?: number } = {}): Promise<FakeServer> {
  return startFakeServer('elevenlabs', async (req) => {
    if (o.firstAudioMs) await sleep(o.firstAudioMs);
    const m = /^\/v1\/text-to-speech\/([^/]+)(\/stream)?$/.exec(req.path);
    if (req.method !== 'POST' || !m) return { status: 404, body: JSON.stringify({ detail: { status: 'not_found' } }) };
    if (!req.headers['xi-api-key'])
      return {
        status: 401,
        body: JSON.stringify({ detail: { status: 'invalid_api_key', message: 'Invalid API key' } }),
      };
    const { text } = JSON.parse(req.body.toString('utf8')) as { text: string };
    if (req.query.get('output_format') === 'ulaw_8000') {
      // Telephone audio: 8 kHz µ-law, about as long as the text takes to say (a 400 Hz tone).
      const audio = Buffer.alloc(Math.max(800, text.length * 480));
      for (let i = 0; i < audio.length; i++) audio[i] = Math.sin((2 * Math.PI * 400 * i) / 8000) > 0 ? 0x9f : 0x1f;
      return { type: 'audio/basic', body: audio };
    }
    // An MPEG audio frame header followed by the text: enough for type checks and size checks.
    return {
      type: 'audio/mpeg',
      body: Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(412), Buffer.from(text)]),
    };
  });
}

/** A path-style S3 store (PUT / GET with or without a byte range / DELETE object), enough for the AWS SDK's PutObject, GetObject and DeleteObject. */
export interface FakeS3 extends FakeServer {
  /** Current objects by key (the latest version that is not a delete marker). */
  objects: Map<string, { body: Buffer; type: string }>;
  /** Every version and delete marker by key, oldest first (as a versioned bucket keeps them). */
  versions: Map<string, { versionId: string; body?: Buffer; type?: string; deleteMarker: boolean }[]>;
  /** Whether the bucket keeps versions (as with versioning enabled). */
  versioning: boolean;
}

/**
 * S3's wire protocol for one path-style bucket: PUT, GET (with Range), DELETE (a delete marker in a
 * versioned bucket; `versionId` deletes that version for good) and ListObjectVersions.
 */
export async function startFakeS3(o: { versioning?: boolean } = {}): Promise<FakeS3> {
  const versions: FakeS3['versions'] = new Map();
  let counter = 0;
  const current = (key: string) => {
    const last = versions.get(key)?.at(-1);
    return last && !last.deleteMarker ? { body: last.body!, type: last.type! } : undefined;
  };
  const state = { versioning: o.versioning ?? false };
  const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const server = await startFakeServer('s3', async (req) => {
    if (!/AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization)))
      return { status: 403, type: 'application/xml', body: '<Error><Code>AccessDenied</Code></Error>' };
    const [bucket = '', ...rest] = decodeURIComponent(req.path.slice(1)).split('/');
    const key = rest.length ? `${bucket}/${rest.join('/')}` : bucket;
    if (req.method === 'GET' && req.query.has('versions')) {
      const prefix = `${bucket}/${req.query.get('prefix') ?? ''}`;
      const entries = [...versions.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .flatMap(([k, vs]) =>
          vs.map((v, i) => {
            const tag = v.deleteMarker ? 'DeleteMarker' : 'Version';
            const objectKey = xml(k.slice(bucket.length + 1));
            return `<${tag}><Key>${objectKey}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${i === vs.length - 1}</IsLatest></${tag}>`;
          }),
        );
      return {
        type: 'application/xml',
        body: `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><Name>${xml(bucket)}</Name><IsTruncated>false</IsTruncated>${entries.join('')}</ListVersionsResult>`,
      };
    }
    if (req.method === 'PUT') {
      const versionId = state.versioning ? `v${++counter}` : 'null';
      const entry = {
        versionId,
        body: req.body,
        type: String(req.headers['content-type'] ?? 'application/octet-stream'),
        deleteMarker: false,
      };
      versions.set(key, state.versioning ? [...(versions.get(key) ?? []), entry] : [entry]);
      const headers: Record<string, string> = state.versioning ? { 'x-amz-version-id': versionId } : {};
      return { type: 'application/xml', body: '', headers };
    }
    if (req.method === 'DELETE') {
      // As S3 does: 204 whether or not the key existed.
      const versionId = req.query.get('versionId');
      if (versionId) {
        const left = (versions.get(key) ?? []).filter((v) => v.versionId !== versionId);
        if (left.length) versions.set(key, left);
        else versions.delete(key);
      } else if (state.versioning) {
        versions.set(key, [...(versions.get(key) ?? []), { versionId: `v${++counter}`, deleteMarker: true }]);
      } else versions.delete(key);
      return { status: 204, type: 'application/xml', body: '' };
    }
    const found = current(key);
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    if (req.method === 'GET' && found && range) {
      const [start, end] = [Number(range[1]), Math.min(Number(range[2]), found.body.length - 1)];
      return {
        status: 206,
        type: found.type,
        headers: { 'content-range': `bytes ${start}-${end}/${found.body.length}` },
        body: found.body.subarray(start, end + 1),
      };
    }
    if (req.method === 'GET' && found) return { type: found.type, body: found.body };
    return {
      status: 404,
      type: 'application/xml',
      body: `<Error><Code>NoSuchKey</Code><Key>${xml(key)}</Key></Error>`,
    };
  });
  const objects = {
    get: (k: string) => current(k),
    has: (k: string) => current(k) !== undefined,
    get size() {
      return [...versions.keys()].filter((k) => current(k)).length;
    },
    keys: () => [...versions.keys()].filter((k) => current(k))[Symbol.iterator](),
  } as unknown as FakeS3['objects'];
  return Object.assign(server, {
    objects,
    versions,
    get versioning() {
      return state.versioning;
    },
    set versioning(v: boolean) {
      state.versioning = v;
    },
  });
}
