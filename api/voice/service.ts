/**
 * The receptionist in an API process: mints the single-use stream token when a call is answered,
 * accepts Telnyx's media stream on `/api/voice/telnyx-stream[/<token>]` (the token in the path for
 * TeXML, in `x-telnyx-streaming-auth-token` for Call Control) and runs one session per stream.
 * A stream is refused before the upgrade unless its token is unused, unexpired and this product's;
 * then its `start` frame must name the call the token was minted for. Frames are size- and
 * rate-limited and a conversation has a maximum length.
 */
import { inFrontLane } from '../../db/lanes.js';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Database } from '../../db/client.js';
import {
  claimVoiceSession,
  createVoiceSession,
  receptionistContext,
  STREAM_TOKEN_TTL_MS,
} from '../../db/queries/voice.js';
import type { Logger } from '../../platform/logger.js';
import { voiceStreamsRefused } from '../../platform/metrics.js';
import { newStreamToken, streamTokenHash } from '../../platform/tokens.js';
import type { ConversationModel } from '../../activities/providers/voice/port.js';
import { createClaudeDialogue } from './claude-dialogue.js';
import { createReceptionist } from './receptionist.js';
import { startVoiceSession, type SessionDeps, type VoiceEngines, type VoiceSettings } from './session.js';

export const STREAM_PATH = '/api/voice/telnyx-stream';
const MAX_FRAME_BYTES = 64 * 1024;
/** Telnyx sends 50 media frames a second; a stream far above that is not Telnyx. */
const MAX_FRAMES_PER_SECOND = 200;
const CACHE_SIZE = 256;

export interface VoiceService {
  settings: VoiceSettings;
  /** A token for a call the product answered, and the greeting rendered ahead for it. */
  mint(call: { callControlId: string; callSessionId: string; contactId?: string | null }): Promise<string>;
  /** Takes over the HTTP server's WebSocket upgrades for the stream path. */
  attach(server: EventEmitter): void;
  /** Loads the speech model and the voice, so the first caller does not wait. */
  warm(): Promise<void>;
  /** Ends every live conversation (stored as dropped: Telnyx falls back to voicemail) and the engines. */
  close(): Promise<void>;
  /** Live conversations in this process. */
  active(): number;
  /** The engines' names, for /ready. */
  engines(): string;
}

export function createVoiceService(deps: {
  db: Database;
  log: Logger;
  engines: VoiceEngines;
  settings: VoiceSettings;
  /** Claude as the conversation (the offline dialogue answers any turn it fails). */
  conversation?: ConversationModel;
  /** Signals the call's workflow (compose: the gateway, retried while Temporal is away). */
  milestone?: SessionDeps['milestone'];
}): VoiceService {
  const { db, log, engines, settings, conversation, milestone } = deps;
  const dialogue = conversation
    ? (setup: Parameters<typeof createClaudeDialogue>[0]['setup'], known: { lastCallAt?: Date }) =>
        createClaudeDialogue({
          model: conversation,
          setup,
          lastCallAt: known.lastCallAt,
          onFallback: (err) =>
            log.warn('receptionist: Claude failed a turn; the offline dialogue answered', {
              error: err.message.slice(0, 200),
            }),
        })
    : undefined;
  const cache = new Map<string, Promise<Buffer>>();
  const sockets = new Set<WebSocket>();
  const sessions = new Set<ReturnType<typeof startVoiceSession>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  let stopping = false;

  /** Audio of `text`, synthesised once: greetings and fixed prompts come from here at once. */
  function speech(text: string): Promise<Buffer> {
    const hit = cache.get(text);
    if (hit) {
      cache.delete(text);
      cache.set(text, hit);
      return hit;
    }
    const made = engines.voice.synthesize(text);
    made.catch(() => cache.delete(text));
    cache.set(text, made);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return made;
  }

  function refuse(socket: Duplex, status: number, reason: string) {
    voiceStreamsRefused.inc({ reason });
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/api\/voice\/telnyx-stream(?:\/([A-Za-z0-9_-]{20,200}))?\/?$/.exec(url.pathname);
    if (!m) return refuse(socket, 404, 'path');
    const header = req.headers['x-telnyx-streaming-auth-token'];
    const token = m[1] ?? (typeof header === 'string' ? header : undefined);
    if (!token) return refuse(socket, 401, 'no_token');
    let row;
    try {
      row = await inFrontLane(() => claimVoiceSession(db, streamTokenHash(token)));
    } catch (err) {
      log.error('receptionist: could not check a stream token', { error: (err as Error).name });
      return refuse(socket, 401, 'database');
    }
    if (!row) return refuse(socket, 401, 'token');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      let window = Date.now();
      let frames = 0;
      const session = startVoiceSession({ db, log, engines, settings, speech, dialogue, milestone }, row, {
        send: (message) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(message)),
        close: (code, reason) => ws.close(code, reason),
      });
      sessions.add(session);
      ws.on('message', (data, binary) => {
        const t = Date.now();
        if (t - window >= 1000) {
          window = t;
          frames = 0;
        }
        if (++frames > MAX_FRAMES_PER_SECOND) {
          voiceStreamsRefused.inc({ reason: 'rate' });
          return ws.close(1008, 'too many frames');
        }
        if (binary) return ws.close(1003, 'text frames expected');
        let msg: unknown;
        try {
          msg = JSON.parse(String(data));
        } catch {
          return ws.close(1007, 'frames must be JSON');
        }
        // A caller is on the line: what the session asks of the database goes first (db/lanes.ts).
        if (msg && typeof msg === 'object')
          inFrontLane(() => session.onMessage(msg as Parameters<typeof session.onMessage>[0]));
      });
      ws.on('close', () => {
        sockets.delete(ws);
        session.onClose(stopping);
        void session.settled().finally(() => sessions.delete(session));
      });
      ws.on('error', () => ws.terminate());
    });
  }

  return {
    settings,
    async mint(call) {
      const { token, hash } = newStreamToken();
      await createVoiceSession(db, {
        tokenHash: hash,
        callControlId: call.callControlId,
        callSessionId: call.callSessionId,
        contactId: call.contactId ?? null,
        expiresAt: new Date(Date.now() + STREAM_TOKEN_TTL_MS),
      });
      // Render the greeting now, so it plays the moment the stream starts.
      void receptionistContext(db, call.contactId ?? null, new Date())
        .then((context) =>
          speech(
            createReceptionist({
              ownerName: settings.ownerName,
              timeZone: settings.timeZone,
              now: () => new Date(),
              caller: { name: context.name, openTasks: context.openTasks },
              busy: context.busy,
              canTransfer: false,
            }).greeting(),
          ),
        )
        .catch((err: Error) => log.warn('receptionist: could not render the greeting ahead', { error: err.name }));
      return token;
    },
    attach(server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        socket.on('error', () => socket.destroy());
        void upgrade(req, socket, head);
      });
    },
    async warm() {
      await Promise.all([engines.recognizer.warm(), engines.voice.warm()]);
    },
    async close() {
      stopping = true;
      for (const ws of sockets) ws.close(1001, 'server stopping');
      await Promise.all([...sessions].map((s) => s.settled()));
      wss.close();
      await Promise.all([engines.recognizer.close(), engines.voice.close()]);
    },
    active: () => sockets.size,
    engines: () =>
      `${engines.live ? `${engines.live.name} (${engines.recognizer.name} as fallback)` : engines.recognizer.name} + ${engines.voice.name}, ${conversation ? `${conversation.name} (offline dialogue as fallback)` : 'offline dialogue'}`,
  };
}
