/**
 * Claude as the receptionist: free conversation with the same four tools and the same limits as the
 * offline dialogue. The tools run here, against the owner's calendar and rules, so what is booked
 * or promised is decided by code, not by the model: `take_message`, `check_availability`,
 * `book_callback` (only into a free slot), `transfer_to_owner` (only when the rules allow). Every
 * sentence the model writes is checked before it is spoken: one that names a price or moves,
 * cancels or confirms an appointment is replaced by the refusal the offline dialogue gives.
 * A turn Claude fails (an error, nothing within `firstEventMs`) is answered by the offline dialogue,
 * which then keeps the call (it is brought up to date with what the caller said before).
 */
import type { ChatBlock, ChatMessage, ConversationModel, ToolSpec } from '../../activities/providers/voice/port.js';
import { parseWhen, shortDay, spokenTime } from '../../platform/when.js';
import { scriptedDialogue, sentenceCutter, type Dialogue, type DialogueEvent } from './dialogue.js';
import {
  calendarOf,
  createReceptionist,
  type Milestone,
  type ReceptionistSetup,
  type TakenMessage,
} from './receptionist.js';

export const RECEPTIONIST_TOOLS: ToolSpec[] = [
  {
    name: 'take_message',
    description:
      'Record the message for the owner once you know who is calling and what it is about. Call it once, after the caller confirmed; the call ends after your next reply.',
    input_schema: {
      type: 'object',
      properties: {
        caller_name: { type: 'string', description: "The caller's name as they gave it." },
        about: { type: 'string', description: 'What the call is about, as a short noun phrase ("the roof estimate").' },
        urgent: { type: 'boolean', description: 'The caller said it is urgent.' },
      },
      required: ['about'],
    },
  },
  {
    name: 'check_availability',
    description: "Whether the owner is free now, and when the owner's calendar is next busy.",
    input_schema: { type: 'object', properties: {} },
  },
  {
    name: 'book_callback',
    description:
      'Book the owner\'s call back at a time the caller named, in the caller\'s words ("tomorrow at nine"). Books only a free time; when it is taken the result names the next free time to offer instead.',
    input_schema: {
      type: 'object',
      properties: { when: { type: 'string', description: 'The day and time, as spoken.' } },
      required: ['when'],
    },
  },
  {
    name: 'transfer_to_owner',
    description: "Put the caller through to the owner. Only possible when the owner's rules allow it right now.",
    input_schema: { type: 'object', properties: {} },
  },
];

/** Sentences the receptionist may never say on the owner's behalf: prices, appointment changes. */
const OFF_LIMITS =
  /(\$\s?\d|\b\d[\d,.]*\s?(dollars|bucks|euros|pounds)\b|\b(costs?|price[sd]?|charges?|fee)\b[^.?!]*\d|\b(reschedul\w*|cancel\w*|moved?|moving)\b[^.?!]*\bappointment|\bappointment\b[^.?!]*\b(reschedul\w*|cancel\w*|moved?|confirmed)\b)/i;

export interface ClaudeDialogueOptions {
  model: ConversationModel;
  setup: ReceptionistSetup;
  /** The caller's recent history with the owner, for the system prompt (never spoken as is). */
  lastCallAt?: Date;
  /** No event from Claude within this long: the offline dialogue answers the turn. */
  firstEventMs?: number;
  onFallback?: (err: Error) => void;
}

function systemPrompt(o: ClaudeDialogueOptions): string {
  const { setup } = o;
  const now = setup.now();
  const when = new Intl.DateTimeFormat('en-US', {
    timeZone: setup.timeZone,
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(now);
  const caller = setup.caller.name
    ? `The caller is ${setup.caller.name}, one of ${setup.ownerName}'s contacts.${
        o.lastCallAt ? ` They last called on ${shortDay(o.lastCallAt, setup.timeZone)}.` : ''
      }${setup.caller.openTasks?.length ? ` Open with them: ${setup.caller.openTasks.join('; ')}.` : ''}`
    : 'The caller is not in the contacts.';
  return [
    `You are the receptionist answering ${setup.ownerName}'s phone. ${setup.ownerName} can't pick up. It is ${when} (${setup.timeZone}).`,
    caller,
    'You are speaking on a phone call: answer in one to three short sentences, plain words, no lists, no markdown.',
    'Your job: take a message (who is calling, what it is about, how urgent, when to call back), say whether the owner is available (check_availability), book a call back into a free time (book_callback), and put the caller through only if transfer_to_owner allows it.',
    'Read the call-back time back to the caller before you record the message. When the caller confirms, call take_message, then say goodbye.',
    `Never promise anything else on ${setup.ownerName}'s behalf: no prices or costs, no moving, cancelling or confirming appointments, no commitments. For those, say you will pass the question on.`,
  ].join('\n');
}

export function createClaudeDialogue(o: ClaudeDialogueOptions): Dialogue {
  const { setup } = o;
  const owner = setup.ownerName;
  const { freeFrom, availability } = calendarOf(setup);
  const offline = createReceptionist(setup);
  const greeting = offline.greeting();
  const message: TakenMessage = { urgency: 'normal', name: setup.caller.name };
  const heard: string[] = [];
  const system = systemPrompt(o);
  const messages: ChatMessage[] = [
    { role: 'user', content: '(The call is connected.)' },
    { role: 'assistant', content: greeting },
  ];
  let fallback: Dialogue | undefined;

  function run(
    name: string,
    input: Record<string, unknown>,
  ): { result: string; milestones: Milestone[]; end?: 'done' | 'transfer' } {
    const now = setup.now();
    switch (name) {
      case 'check_availability':
        return { result: availability(), milestones: [] };
      case 'book_callback': {
        const when = parseWhen(String(input.when ?? ''), now, setup.timeZone);
        if (!when) return { result: 'That is not a day and time I can book; ask for one.', milestones: [] };
        const free = freeFrom(when.at);
        if (free.getTime() !== when.at.getTime())
          return {
            result: `${owner} is busy then. The next free time is ${spokenTime(free, now, setup.timeZone)}; offer it, and book it only if the caller agrees.`,
            milestones: [],
          };
        message.callbackAt = when.at.toISOString();
        message.callbackSpoken = when.spoken;
        return {
          result: `Booked: ${owner} calls back ${when.spoken}. Read it back to the caller.`,
          milestones: [{ kind: 'callback_booked', at: message.callbackAt }],
        };
      }
      case 'take_message': {
        if (typeof input.caller_name === 'string' && input.caller_name.trim())
          message.name = input.caller_name.trim().slice(0, 80);
        if (typeof input.about === 'string' && input.about.trim()) message.about = input.about.trim().slice(0, 200);
        if (input.urgent === true) message.urgency = 'urgent';
        return {
          result: 'The message is recorded. Say goodbye in one sentence; the call ends after it.',
          milestones: [{ kind: 'message_taken', message: { ...message } }],
          end: 'done',
        };
      }
      case 'transfer_to_owner':
        if (setup.ringing?.())
          return {
            result: `${owner}'s phone is ringing for this caller right now. Tell them, in one sentence, to hold on a moment.`,
            milestones: [],
          };
        return setup.canTransfer
          ? {
              result: 'Transferring. Tell the caller, in one sentence, to hold.',
              milestones: [{ kind: 'transfer_requested' }],
              end: 'transfer',
            }
          : {
              result: `Not possible right now: ${owner} can't be put through. Offer to take a message.`,
              milestones: [],
            };
      default:
        return { result: `There is no tool called ${name}.`, milestones: [] };
    }
  }

  /** One turn with Claude; throws when Claude fails before the turn is complete. */
  async function* converse(signal: AbortSignal): AsyncGenerator<DialogueEvent> {
    let end: 'done' | 'transfer' | undefined;
    let refused = false;
    for (let round = 0; round < 4; round++) {
      const cutter = sentenceCutter();
      const blocks: ChatBlock[] = [];
      let text = '';
      const uses: { id: string; name: string; input: Record<string, unknown> }[] = [];
      const controller = new AbortController();
      const abort = () => controller.abort();
      signal.addEventListener('abort', abort);
      let first = true;
      let late = false;
      const timer = setTimeout(() => {
        if (!first) return;
        late = true;
        controller.abort();
      }, o.firstEventMs ?? 3000);
      const speakable = function* (sentences: string[]): Generator<DialogueEvent> {
        for (const s of sentences) {
          if (OFF_LIMITS.test(s)) {
            if (!refused)
              yield { type: 'say', text: `I can't answer that for ${owner}, but I'll pass the question on.` };
            refused = true;
          } else yield { type: 'say', text: s };
        }
      };
      try {
        for await (const e of o.model.stream(
          { system, messages, tools: RECEPTIONIST_TOOLS, maxTokens: 300 },
          controller.signal,
        )) {
          first = false;
          if (e.type === 'text') {
            text += e.text;
            yield* speakable(cutter.push(e.text));
          } else uses.push(e);
        }
        // An aborted stream may end without an error.
        if (controller.signal.aborted) throw new Error('aborted');
        yield* speakable(cutter.flush());
      } catch (err) {
        if (signal.aborted) {
          // The caller spoke over the reply: keep what was said, so the history stays true.
          if (text.trim()) messages.push({ role: 'assistant', content: text.trim() });
          return;
        }
        throw late ? new Error(`${o.model.name}: no answer within ${o.firstEventMs ?? 3000} ms`, { cause: err }) : err;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
      }
      if (text.trim()) blocks.push({ type: 'text', text: text.trim() });
      for (const u of uses) blocks.push({ type: 'tool_use', id: u.id, name: u.name, input: u.input });
      if (blocks.length === 0) blocks.push({ type: 'text', text: '…' });
      messages.push({ role: 'assistant', content: blocks });
      if (uses.length === 0) break;
      const results: ChatBlock[] = [];
      for (const u of uses) {
        const r = run(u.name, u.input);
        for (const m of r.milestones) yield { type: 'milestone', milestone: m };
        end ??= r.end;
        results.push({ type: 'tool_result', tool_use_id: u.id, content: r.result });
      }
      messages.push({ role: 'user', content: results });
      // It already said its goodbye before the tool call: the turn is over (else one more round for it).
      if (end && text.trim()) break;
    }
    if (end) {
      // The goodbye after the tool, if the model did not write one.
      yield { type: 'end', end };
    }
  }

  return {
    get name() {
      return fallback ? `offline dialogue (after ${o.model.name} failed)` : o.model.name;
    },
    greeting: () => greeting,
    async *hear(text, signal) {
      heard.push(text);
      if (fallback) return yield* fallback.hear(text, signal);
      const last = messages.at(-1);
      if (last?.role === 'user' && typeof last.content === 'string') last.content += ` ${text}`;
      else messages.push({ role: 'user', content: text });
      const said: DialogueEvent[] = [];
      try {
        for await (const e of converse(signal)) {
          said.push(e);
          yield e;
        }
      } catch (err) {
        o.onFallback?.(err as Error);
        // The offline dialogue takes the call over, brought up to what the caller has said.
        const scripted = createReceptionist(setup);
        scripted.greeting(); // the greeting asked its first question: the dialogue starts from there
        for (const t of heard.slice(0, -1)) scripted.hear(t);
        fallback = scriptedDialogue(scripted);
        if (said.some((e) => e.type === 'say')) yield { type: 'say', text: 'Sorry, let me say that again.' };
        yield* fallback.hear(text, signal);
      }
    },
    message: () => (fallback ? fallback.message() : message.about || message.name ? { ...message } : undefined),
  };
}
