/**
 * One live call with the receptionist, over Telnyx's media-stream protocol (bidirectional RTP,
 * PCMU 8 kHz). In: `connected`, `start`, `media`, `dtmf`, `mark`, `stop`. Out: `media` (20 ms
 * frames paced at real time, at most ~100 ms ahead, so `clear` has little to drop), `mark` after
 * each sentence, `clear` on barge-in. The turn loop: end of turn on the caller's audio → speech to
 * text → the dialogue's reply → each sentence synthesised while the one before plays. Each turn is
 * stored as it is spoken; the message the caller left becomes the owner's task and notification.
 * Per-utterance work never goes through Temporal. Nothing here logs what was said.
 */
import type { Database } from '../../db/client.js';
import {
  appendVoiceTurn,
  endVoiceSession,
  receptionistContext,
  recordReceptionistMessage,
  markHandedOver,
  replaceLastVoiceTurn,
  setVoiceRing,
  voiceRingOf,
  type VoiceOutcome,
  type VoiceRing,
  type VoiceSessionRow,
  type VoiceTurn,
} from '../../db/queries/voice.js';
import type {
  LiveRecognizer,
  LiveStream,
  PhoneVoice,
  UtteranceRecognizer,
} from '../../activities/providers/voice/port.js';
import { FRAME_BYTES } from '../../platform/audio.js';
import { nameWords } from '../../activities/providers/speech/names.js';
import type { ReceptionistMilestone } from '../../contract/index.js';
import type { Logger } from '../../platform/logger.js';
import { voiceSessionsEnded, voiceTurnLatency } from '../../platform/metrics.js';
import { createEndpointer } from './endpointer.js';
import { scriptedDialogue, sentencesOf, type Dialogue } from './dialogue.js';
import { createReceptionist, type Milestone, type ReceptionistSetup, type TakenMessage } from './receptionist.js';

export interface VoiceEngines {
  recognizer: UtteranceRecognizer;
  voice: PhoneVoice;
  /**
   * Speech to text on the live stream (Deepgram): its end of utterance answers the caller; the
   * local endpointer and `recognizer` answer any utterance it has not within `LIVE_GRACE_MS`, and
   * every utterance after the stream failed.
   */
  live?: LiveRecognizer;
}

/** How long after the local end of turn the live recogniser may still deliver the utterance's words. */
export const LIVE_GRACE_MS = 1200;

/** How often a conversation reads whether the owner took the call while the owner's phone rings. */
export const RING_POLL_MS = 250;

export interface VoiceSettings {
  ownerName: string;
  timeZone: string;
  maxCallMs: number;
  endpointSilenceMs: number;
  /** Ring the owner first: how long the conversation waits for the call's workflow's word on the owner. */
  ringOwnerMs?: number;
}

export interface SessionDeps {
  db: Database;
  log: Logger;
  engines: VoiceEngines;
  settings: VoiceSettings;
  /** Synthesised audio by text, cached (the greeting and fixed prompts are rendered once). */
  speech: (text: string) => Promise<Buffer>;
  /** Tells the call's workflow where the conversation is (started, message taken, …, ended). */
  milestone?: (callSessionId: string, m: ReceptionistMilestone) => void;
  /** The conversation for a call (Claude when configured); the offline dialogue when absent. */
  dialogue?: (setup: ReceptionistSetup, known: { lastCallAt?: Date }) => Dialogue;
  now?: () => number;
}

export interface SocketIo {
  send(message: object): void;
  close(code: number, reason: string): void;
}

const AHEAD_MS = 100;
const FRAME_MS = 20;
const SILENCE = 0xff;

/** The owner's task for a message: "Call Dana Whitfield back tomorrow at 9 AM about the roof estimate". */
export function taskTitle(m: TakenMessage): string {
  return `Call ${m.name ?? 'the caller'} back${m.callbackSpoken ? ` ${m.callbackSpoken}` : ''}${m.about ? ` about ${m.about}` : ''}`;
}

export function startVoiceSession(deps: SessionDeps, row: VoiceSessionRow, io: SocketIo) {
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  const ms = () => Math.round(now() - t0);
  const endpointer = createEndpointer({ silenceMs: deps.settings.endpointSilenceMs });
  let dialogue: Dialogue | undefined;
  let replyAbort: AbortController | undefined;
  let hints: string[] = [];
  let started = false;
  let finished = false;
  let carry = Buffer.alloc(0);
  // The live recogniser's stream, and the local end of turn waiting for its words.
  let live: LiveStream | undefined;
  let liveDown = !deps.engines.live;
  let liveAnswered = -1;
  let speechStartedAt = 0;
  let waiting: { timer: NodeJS.Timeout; run: () => void } | undefined;
  let milestones: Milestone[] = [];
  // Ring the owner first: the greeting's second half waits for the owner's answer (or its absence).
  let ringPoll: NodeJS.Timeout | undefined;
  let ringSeen: VoiceRing = 'ringing';
  let transferring = false;
  let repliedWhileRinging = false;
  // The ring ended unanswered and the caller has not been told yet: the news waits its turn behind
  // an utterance heard while it rang, and that utterance's reply tells it first.
  let ringNews: { news: string; rest: string[] } | undefined;
  const ringing = () => ringPoll !== undefined && ringSeen === 'ringing';

  // Playback: frames waiting, the time the audio already sent finishes playing, the reply's generation.
  let queue: { frame: Buffer; mark?: string; onFirst?: () => void }[] = [];
  let playheadAt = 0;
  let generation = 0;
  let pacer: NodeJS.Timeout | undefined;
  let current: { turn: VoiceTurn; sentences: string[]; heardUntil: number[]; gen: number; stored: boolean } | undefined;
  let work: Promise<void> = Promise.resolve();
  const limit = setTimeout(() => void timeUp(), deps.settings.maxCallMs);

  // The conversation's writes, in order and off the audio path: a reply never waits on the database.
  let writes: Promise<void> = Promise.resolve();
  const store = (what: string, write: () => Promise<unknown>) => {
    writes = writes.then(write).then(
      () => undefined,
      (err: Error) => deps.log.error('receptionist: could not store the conversation', { what, error: err.name }),
    );
    return writes;
  };

  function pump() {
    const t = now();
    if (playheadAt < t) playheadAt = t;
    while (queue.length > 0 && playheadAt - t < AHEAD_MS) {
      const item = queue.shift()!;
      if (item.frame.length > 0) {
        io.send({ event: 'media', media: { payload: item.frame.toString('base64') } });
        playheadAt += FRAME_MS;
      }
      item.onFirst?.();
      if (item.mark) io.send({ event: 'mark', mark: { name: item.mark } });
    }
    if (queue.length === 0 && pacer) {
      clearInterval(pacer);
      pacer = undefined;
    }
  }

  function enqueue(audio: Buffer, o: { mark: string; onFirst?: () => void; onHeard?: (at: number) => void }) {
    const frames = Math.max(1, Math.ceil(audio.length / FRAME_BYTES));
    for (let i = 0; i < frames; i++) {
      let frame = audio.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES);
      // No chunk shorter than 20 ms: the last one is padded with silence.
      if (frame.length < FRAME_BYTES) frame = Buffer.concat([frame, Buffer.alloc(FRAME_BYTES - frame.length, SILENCE)]);
      queue.push({ frame, onFirst: i === 0 ? o.onFirst : undefined, mark: i === frames - 1 ? o.mark : undefined });
    }
    const endAt = Math.max(playheadAt, now()) + queue.length * FRAME_MS;
    o.onHeard?.(endAt);
    pump();
    pacer ??= setInterval(pump, 10);
  }

  /**
   * A reply as it is written: each sentence added is synthesised at once and played in order after
   * the ones before (the next is synthesised while one plays); `since` is the caller's last speech.
   */
  function startReply(since?: number) {
    const gen = ++generation;
    const turn: VoiceTurn = { speaker: 'receptionist', text: '', atMs: ms() };
    const reply = { turn, sentences: [] as string[], heardUntil: [] as number[], gen, stored: false };
    current = reply;
    let played: Promise<void> = Promise.resolve();
    return {
      gen,
      add(sentence: string) {
        if (gen !== generation || finished) return;
        const i = reply.sentences.length;
        reply.sentences.push(sentence);
        turn.text = reply.sentences.join(' ');
        if (!reply.stored) {
          reply.stored = true;
          const first = { ...turn };
          void store('turn', () => appendVoiceTurn(deps.db, row.id, first));
        }
        const audio = deps.speech(sentence);
        played = played.then(async () => {
          let pcm: Buffer;
          try {
            pcm = await audio;
          } catch (err) {
            deps.log.error('receptionist: speech synthesis failed', { error: (err as Error).name });
            return;
          }
          if (gen !== generation || finished) return;
          enqueue(pcm, {
            mark: `r${gen}-s${i}`,
            onFirst:
              i === 0 && since !== undefined
                ? () => {
                    turn.latencyMs = Math.round(now() - since);
                    voiceTurnLatency.observe(turn.latencyMs / 1000);
                  }
                : undefined,
            onHeard: (at) => current?.gen === gen && current.heardUntil.push(at),
          });
        });
      },
      /** Every sentence is queued for playback; the turn is stored whole. */
      async done() {
        await played;
        if (gen !== generation || !reply.stored) return;
        turn.endMs = Math.round(Math.max(playheadAt, now()) + queue.length * FRAME_MS - t0);
        void store('turn', () => replaceLastVoiceTurn(deps.db, row.id, { ...turn }));
      },
    };
  }

  async function speak(lines: string[], since?: number): Promise<void> {
    const reply = startReply(since);
    for (const s of lines.flatMap(sentencesOf)) reply.add(s);
    await reply.done();
  }

  /** The caller spoke over the reply: stop it at once and keep only what was heard. */
  function bargeIn() {
    if (queue.length === 0 && playheadAt <= now()) return;
    generation++;
    replyAbort?.abort();
    queue = [];
    io.send({ event: 'clear' });
    const t = now();
    playheadAt = t;
    if (current?.stored) {
      const heard = current.sentences.filter((_, i) => (current!.heardUntil[i] ?? Infinity) <= t);
      const turn = { ...current.turn, text: heard.join(' '), interrupted: true, endMs: Math.round(t - t0) };
      current = undefined;
      void store('turn', () => replaceLastVoiceTurn(deps.db, row.id, turn));
    }
  }

  /**
   * The owner is waiting on the line: the reply ends with the sentence being spoken, and the ones
   * after it are never said (the turn keeps what will have been heard).
   */
  function endAtSentence() {
    generation++;
    replyAbort?.abort();
    const cut = queue.findIndex((q) => q.mark);
    if (cut >= 0) queue = queue.slice(0, cut + 1);
    if (!current?.stored) return;
    const mark = cut >= 0 ? /^r(\d+)-s(\d+)$/.exec(queue[cut]!.mark!) : null;
    const kept = mark && Number(mark[1]) === current.gen ? Number(mark[2]) + 1 : mark ? 0 : current.heardUntil.length;
    if (kept >= current.sentences.length) return;
    const endMs = Math.round(Math.max(playheadAt, now()) + queue.length * FRAME_MS - t0);
    const turn = { ...current.turn, text: current.sentences.slice(0, kept).join(' '), endMs };
    current = undefined;
    void store('turn', () => replaceLastVoiceTurn(deps.db, row.id, turn));
  }

  /** One utterance (`heardWhileRinging`: it ended while the owner's phone rang) to its reply. */
  async function onUtterance(audio: Buffer, lastSpeechAt: number, heardWhileRinging: boolean): Promise<void> {
    if (!dialogue || finished || transferring) return;
    let text: string;
    try {
      text = (await deps.engines.recognizer.recognize(audio, hints)).trim();
    } catch (err) {
      deps.log.error('receptionist: speech recognition failed', { error: (err as Error).name });
      await speak(["Sorry, I didn't catch that. Could you say it again?"], lastSpeechAt);
      return;
    }
    if (!text || finished) return;
    await respond(text, lastSpeechAt, Math.round(audio.length / 8), heardWhileRinging);
  }

  /** The caller said `text`, their last speech at `lastSpeechAt`, `spokenMs` long: the reply. */
  async function respond(
    text: string,
    lastSpeechAt: number,
    spokenMs: number,
    heardWhileRinging: boolean,
  ): Promise<void> {
    if (!dialogue || finished || transferring) return;
    if (heardWhileRinging || ringing()) repliedWhileRinging = true;
    const heardAt = Math.round(lastSpeechAt - t0);
    void store('turn', () =>
      appendVoiceTurn(deps.db, row.id, {
        speaker: 'caller',
        text,
        atMs: Math.max(0, heardAt - spokenMs),
        endMs: heardAt,
      }),
    );
    const controller = new AbortController();
    replyAbort = controller;
    const reply = startReply(lastSpeechAt);
    // Said while it rang, answered after: the news first, then the reply (not the greeting's rest).
    if (ringNews && heardWhileRinging) {
      reply.add(ringNews.news);
      ringNews = undefined;
    }
    let end: 'done' | 'transfer' | undefined;
    try {
      for await (const e of dialogue!.hear(text, controller.signal)) {
        if (e.type === 'milestone') {
          milestones = [...milestones, e.milestone];
          deps.milestone?.(row.callSessionId, { kind: e.milestone.kind, atMs: ms() });
        } else if (e.type === 'end') end = e.end;
        else if (reply.gen !== generation)
          break; // spoken over: the rest is not said
        else reply.add(e.text);
      }
    } catch (err) {
      deps.log.error('receptionist: the dialogue failed', { error: (err as Error).name });
      reply.add('Sorry, could you say that again?');
    }
    await reply.done();
    if (end) await finish(end === 'transfer' ? 'transfer_requested' : undefined);
  }

  async function timeUp() {
    if (finished) return;
    await speak(["I'm sorry, we have to end the call here. Goodbye!"]);
    await finish('time_limit');
  }

  /** Stores the outcome (once), turns the message into the owner's task, and hangs up after the goodbye. */
  async function finish(result?: VoiceOutcome['result'], closed = false): Promise<void> {
    if (finished) return;
    finished = true;
    clearTimeout(limit);
    if (ringPoll) clearInterval(ringPoll);
    ringPoll = undefined;
    const taken = milestones.find((m) => m.kind === 'message_taken')?.message ?? partialMessage();
    const booked = milestones.some((m) => m.kind === 'callback_booked');
    const outcome: VoiceOutcome = {
      // A stream that never started its conversation is not one: TeXML falls back to voicemail.
      result: !started
        ? 'dropped'
        : (result ??
          (transferring ? 'transferred' : booked ? 'callback_booked' : taken ? 'message_taken' : 'caller_hung_up')),
      message: taken,
    };
    if (taken) {
      try {
        outcome.taskId = await recordReceptionistMessage(
          deps.db,
          { sessionId: row.id, callSessionId: row.callSessionId, contactId: row.contactId },
          {
            title: taskTitle(taken),
            body: `Message taken by the receptionist${taken.name ? ` from ${taken.name}` : ''}${taken.about ? `: ${taken.about}` : ''}.${taken.urgency === 'urgent' ? ' The caller said it is urgent.' : ''}`,
            dueAt: taken.callbackAt ? new Date(taken.callbackAt) : undefined,
            urgent: taken.urgency === 'urgent',
          },
        );
      } catch (err) {
        deps.log.error('receptionist: could not record the message', { error: (err as Error).name });
      }
    }
    await store('outcome', () => endVoiceSession(deps.db, row.id, outcome));
    voiceSessionsEnded.inc({ outcome: outcome.result });
    // After the outcome is stored: the workflow then reads the whole conversation.
    deps.milestone?.(row.callSessionId, { kind: 'ended', atMs: ms(), result: outcome.result });
    if (closed) return stopPlayback();
    // Hang up once the goodbye has played (the TeXML document goes on to its hangup).
    setTimeout(
      () => {
        stopPlayback();
        io.close(1000, 'conversation finished');
      },
      Math.max(0, playheadAt - now()) + 300,
    ).unref();
  }

  /** What the caller said before hanging up, when it is worth a task (a name or a subject). */
  function partialMessage(): TakenMessage | undefined {
    const m = dialogue?.message();
    return m && m.about ? m : undefined;
  }

  function stopPlayback() {
    live?.close();
    live = undefined;
    if (waiting) clearTimeout(waiting.timer);
    waiting = undefined;
    if (pacer) clearInterval(pacer);
    pacer = undefined;
    queue = [];
  }

  async function onStart(start: {
    call_control_id?: string;
    media_format?: { encoding?: string; sample_rate?: number };
  }) {
    if (started) return;
    if (start.call_control_id !== row.callControlId) return io.close(1008, 'stream not bound to this call');
    const f = start.media_format;
    if (f && (f.encoding !== 'PCMU' || Number(f.sample_rate ?? 8000) !== 8000))
      return io.close(1003, 'PCMU at 8000 Hz expected');
    started = true;
    deps.milestone?.(row.callSessionId, { kind: 'started', atMs: ms() });
    const context = await receptionistContext(deps.db, row.contactId, new Date(), { callSessionId: row.callSessionId });
    const setup: ReceptionistSetup = {
      ownerName: deps.settings.ownerName,
      timeZone: deps.settings.timeZone,
      now: () => new Date(),
      caller: { name: context.name, openTasks: context.openTasks },
      busy: context.busy,
      canTransfer: false,
      ringing,
    };
    dialogue =
      deps.dialogue?.(setup, { lastCallAt: context.lastCallAt }) ?? scriptedDialogue(createReceptionist(setup));
    hints = [context.name, deps.settings.ownerName].map((n) => nameWords(n ?? '')).filter(Boolean);
    if (deps.engines.live) void openLive(deps.engines.live);
    const greeting = dialogue.greeting();
    if (row.ring !== 'ringing') return speak([greeting]);
    // The owner's phone rings first: hello now, the rest of the greeting if the owner does not answer.
    const [hello, ...rest] = sentencesOf(greeting);
    const owner = deps.settings.ownerName;
    const Owner = owner.charAt(0).toUpperCase() + owner.slice(1);
    const giveUpAt = now() + (deps.settings.ringOwnerMs ?? 45_000);
    ringPoll = setInterval(() => void readRing(rest, Owner, giveUpAt), RING_POLL_MS);
    await speak([hello ?? '', `Let me see if ${owner} can take your call. One moment, please.`]);
  }

  /**
   * Where ringing the owner stands (the call's workflow writes it): `connected` → say so, then
   * `handed_over` for the workflow to bridge; `unavailable` → carry on with the rest of the
   * greeting (or, when the bridge failed after "putting you through", say so and carry on).
   * Should the workflow stay silent past the ring time (Temporal away), the conversation gives up
   * on the owner itself; a late answer then finds the call taken.
   */
  let reading = false;
  async function readRing(rest: string[], Owner: string, giveUpAt: number) {
    if (reading || finished || !ringPoll) return;
    reading = true;
    try {
      let ring = (await voiceRingOf(deps.db, row.id)) ?? 'unavailable';
      if (ring === 'ringing' && now() >= giveUpAt && (await setVoiceRing(deps.db, row.callControlId, 'unavailable')))
        ring = 'unavailable';
      if (ring === ringSeen || !ringPoll || finished) return;
      const before = ringSeen;
      ringSeen = ring;
      if (ring === 'connected') {
        // Once this has played, the call's workflow bridges the legs and stops this stream.
        transferring = true;
        endAtSentence();
        work = work
          .then(() => speak([`Putting you through to ${Owner} now.`]))
          .then(
            () =>
              new Promise((r) => setTimeout(r, Math.max(playheadAt, now()) + queue.length * FRAME_MS - now() + 200)),
          )
          .then(() => markHandedOver(deps.db, row.id))
          .catch(() => undefined);
      } else if (ring === 'unavailable') {
        clearInterval(ringPoll);
        ringPoll = undefined;
        if (before !== 'ringing') {
          transferring = false;
          work = work.then(() => speak(["Sorry, I couldn't put you through.", ...rest])).catch(() => undefined);
        } else {
          // A caller already talking hears only the news; the dialogue goes on from where it is.
          // Chosen when its turn comes: an utterance still being recognised is answered first.
          const told = { news: `${Owner} can't take your call right now.`, rest };
          ringNews = told;
          work = work
            .then(() => {
              if (ringNews !== told) return;
              ringNews = undefined;
              return speak(repliedWhileRinging ? [told.news] : rest);
            })
            .catch(() => undefined);
        }
      }
    } catch (err) {
      deps.log.warn('receptionist: could not read whether the owner answered', { error: (err as Error).name });
    } finally {
      reading = false;
    }
  }

  /** The live recogniser for this call; the greeting plays meanwhile. */
  async function openLive(engine: LiveRecognizer) {
    const down = (err: Error) => {
      if (liveDown) return;
      liveDown = true;
      live = undefined;
      deps.log.warn('receptionist: live speech recognition failed; the local engine answers', {
        error: err.message.slice(0, 200),
      });
      // The utterance waiting for its words is recognised here at once.
      if (waiting) {
        clearTimeout(waiting.timer);
        const w = waiting;
        waiting = undefined;
        w.run();
      }
    };
    try {
      const stream = await engine.open({
        hints,
        onFinal: (text) => {
          if (finished || liveDown) return;
          if (waiting) clearTimeout(waiting.timer);
          waiting = undefined;
          const since = endpointer.lastSpeech();
          liveAnswered = since;
          const spokenMs = Math.max(0, Math.round(since - speechStartedAt));
          const whileRinging = ringing();
          work = work.then(() => respond(text, since, spokenMs, whileRinging)).catch(() => undefined);
        },
        onError: down,
      });
      if (finished) stream.close();
      else if (!liveDown) live = stream;
    } catch (err) {
      down(err as Error);
    }
  }

  function onMedia(media: { track?: string; payload?: string }) {
    if (!started || finished || (media.track && media.track !== 'inbound') || !media.payload) return;
    let bytes = Buffer.from(media.payload, 'base64');
    if (carry.length > 0) bytes = Buffer.concat([carry, bytes]);
    let at = 0;
    for (; at + FRAME_BYTES <= bytes.length; at += FRAME_BYTES) {
      const frame = bytes.subarray(at, at + FRAME_BYTES);
      live?.send(frame);
      for (const e of endpointer.push(frame, now())) {
        if (e.type === 'start') speechStartedAt = now();
        if (e.type === 'confirmed') bargeIn();
        if (e.type === 'end' && e.speechMs >= 200) {
          const { audio, lastSpeechAt } = e;
          const whileRinging = ringing();
          const run = () => {
            work = work.then(() => onUtterance(audio, lastSpeechAt, whileRinging)).catch(() => undefined);
          };
          if (liveDown) run();
          else if (liveAnswered !== lastSpeechAt) {
            // The live recogniser has not answered this utterance yet: it gets a little longer
            // (one still waiting from before is recognised here now).
            if (waiting) {
              clearTimeout(waiting.timer);
              waiting.run();
            }
            waiting = {
              run,
              timer: setTimeout(() => {
                waiting = undefined;
                run();
              }, LIVE_GRACE_MS),
            };
          }
        }
      }
    }
    carry = Buffer.from(bytes.subarray(at));
  }

  return {
    /** One text frame from Telnyx (already size-checked and parsed). */
    onMessage(msg: { event?: string; start?: Parameters<typeof onStart>[0]; media?: Parameters<typeof onMedia>[0] }) {
      switch (msg.event) {
        case 'start':
          work = work
            .then(() => onStart(msg.start ?? {}))
            .catch((err: Error) => {
              deps.log.error('receptionist: the call could not start', { error: err.name });
              io.close(1011, 'could not start');
            });
          return;
        case 'media':
          return onMedia(msg.media ?? {});
        case 'stop':
          return void work.then(() => finish(undefined, true));
        default:
          return; // connected, mark, dtmf, error: nothing to do
      }
    },
    /** The socket closed (the caller hung up, or Telnyx dropped the stream). */
    onClose(dropped = false) {
      clearTimeout(limit);
      void work.then(() => finish(dropped ? 'dropped' : undefined, true));
    },
    /** Settles once every turn in progress is stored (tests and shutdown). */
    settled: () => work.then(() => writes),
  };
}
