/**
 * The offline receptionist: a deterministic dialogue that takes a message (who, what about, how
 * urgent, when to call back), answers whether the owner is free from the calendar, books the
 * callback into a free slot, and offers to put the caller through when the owner's rules allow.
 * It confirms what it heard and repairs what it did not ("Sorry, was that tomorrow at 9 AM?"); it
 * promises nothing else on the owner's behalf. Pure: the clock and the calendar are given.
 */
import { parseWhen, spokenTime, type When } from '../../platform/when.js';

export interface CallerContext {
  /** The contact's name when the caller is a contact. */
  name?: string;
  /** Open tasks with this caller, newest first ("Send the revised quote"). */
  openTasks?: string[];
}

export interface ReceptionistSetup {
  ownerName: string;
  timeZone: string;
  now: () => Date;
  caller: CallerContext;
  /** The owner's busy times (calendar events) from now on. */
  busy: { start: Date; end: Date }[];
  /** Whether the owner's rules let this caller be put through now. */
  canTransfer: boolean;
  /** Whether the owner's phone is ringing for this call right now (ring the owner first). */
  ringing?: () => boolean;
}

export interface TakenMessage {
  name?: string;
  about?: string;
  urgency: 'normal' | 'urgent';
  /** The agreed callback time (ISO), and how it was read back. */
  callbackAt?: string;
  callbackSpoken?: string;
}

export type Milestone =
  | { kind: 'message_taken'; message: TakenMessage }
  | { kind: 'callback_booked'; at: string }
  | { kind: 'transfer_requested' };

export interface Reply {
  /** Sentences to speak, in order (each synthesised as soon as it is ready). */
  say: string[];
  milestones: Milestone[];
  /** The conversation is over: hang up once the reply has played. */
  end?: 'done' | 'transfer';
}

type Slot = 'name' | 'about' | 'suggested' | 'when' | 'confirm' | 'done';

const YES = /\b(yes|yeah|yep|yup|correct|right|sure|perfect|sounds good|okay|ok|exactly|great|fine|that works)\b/;
const NO = /\b(no|nope|not quite|wrong|actually|instead)\b/;
const BYE = /\b(bye|goodbye|that'?s all|that is all|nothing else|never mind)\b/;
const URGENT = /\b(urgent|urgently|asap|as soon as possible|emergency|right away|immediately)\b/;
const TRANSFER =
  /\b(put me through|connect me|transfer me|talk to (him|her|them) (now|directly)|speak (to|with) (him|her|them) (now|directly)|is (he|she|they) there)\b/;
const AVAILABLE = /\b(available|free|around|in the office|busy|reachable)\b/;
const OFF_LIMITS = /\b(how much|price|cost|quote me|reschedule|move (my|the) appointment|cancel (my|the))\b/;
const NAME = /\b(?:this is|my name is|it'?s|it is|i am|i'?m)\s+([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)/i;
const NOT_NAMES = new Set([
  'calling',
  'just',
  'trying',
  'here',
  'looking',
  'wondering',
  'not',
  'sorry',
  'fine',
  'good',
  'about',
  'the',
  'a',
]);

const titleCase = (s: string) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase());
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What the call is about, from a caller's sentence, without greetings, names and times. */
export function aboutFrom(text: string): string | undefined {
  const about = /\b(?:about|regarding|concerning)\s+([^.?!]+)/i.exec(text);
  const introduction = /^\s*((hi|hello|hey)\b[,\s]*)?(this is|my name is|it'?s|i'?m)\s+[a-z'-]+(\s+[a-z'-]+)?\s*$/i;
  let s = about
    ? about[1]!
    : (text.split(/[.?!]/).find((part) => part.trim().split(/\s+/).length >= 2 && !introduction.test(part)) ?? '');
  s = s
    .replace(/,?\s*(it'?s|it is|this is)?\s*(very\s+|really\s+)?(urgent|an emergency)\b.*$/i, '')
    .replace(
      /\b(can|could|would|will|please|call me|when|tomorrow|today|tonight|on (mon|tues|wednes|thurs|fri|satur|sun)day)\b.*$/i,
      '',
    )
    .replace(/^\s*(hi|hello|hey)(\s+there)?\b[,\s]*/i, '')
    .replace(/^\s*(yes|yeah|so|well|um|uh|oh)\b[,\s]*/i, '')
    .replace(/^\s*(i'?m|i am)\s+calling\s*(to\s+\w+\s*)?/i, '')
    .replace(/^\s*(i\s+)?(wanted|want|need|needed|would like|'d like)\s+(to\s+(talk|speak|ask|discuss)\s*)?/i, '')
    .replace(/^\s*(about|regarding)\s+/i, '')
    .trim()
    .replace(/[,;:]+$/, '');
  if (s.length < 3) return undefined;
  return /^(the|a|an|my|our|your|his|her|their)\b/i.test(s) ? s.replace(/^./, (c) => c.toLowerCase()) : s;
}

/**
 * The owner's calendar as the receptionist speaks of it: the first free half hour at or after a
 * time (calendar events are busy), and whether the owner is free now, in words.
 */
export function calendarOf(setup: Pick<ReceptionistSetup, 'busy' | 'now' | 'timeZone' | 'ownerName'>) {
  const owner = setup.ownerName;
  const Owner = capitalise(owner);
  function freeFrom(at: Date): Date {
    let t = new Date(at);
    for (let i = 0; i < 48; i++) {
      const end = t.getTime() + 30 * 60_000;
      const clash = setup.busy.find((b) => b.start.getTime() < end && b.end.getTime() > t.getTime());
      if (!clash) return t;
      t = new Date(Math.ceil(clash.end.getTime() / (15 * 60_000)) * 15 * 60_000);
    }
    return t;
  }
  function availability(): string {
    const now = setup.now();
    const current = setup.busy.find((b) => b.start <= now && b.end > now);
    if (current)
      return `${Owner} is busy until ${spokenTime(current.end, now, setup.timeZone).replace(/^today at /, '')}.`;
    const next = setup.busy.filter((b) => b.start > now).sort((a, b) => a.start.getTime() - b.start.getTime())[0];
    return next
      ? `${Owner} has nothing on the calendar until ${spokenTime(next.start, now, setup.timeZone)}, but can't pick up right now.`
      : `${Owner}'s calendar is clear, but ${owner} can't pick up right now.`;
  }
  return { freeFrom, availability };
}

export function createReceptionist(setup: ReceptionistSetup) {
  const owner = setup.ownerName;
  const Owner = capitalise(owner);
  const message: TakenMessage = { urgency: 'normal', name: setup.caller.name };
  const firstName = () => message.name?.split(/\s+/)[0];
  let slot: Slot = message.name ? 'about' : 'name';
  let proposed: When | undefined;
  let misses = 0;
  let suggestion = setup.caller.openTasks?.[0];

  const { freeFrom, availability } = calendarOf(setup);

  function ask(): string {
    switch (slot) {
      case 'name':
        return 'May I have your name?';
      case 'about':
        if (suggestion) {
          slot = 'suggested';
          return `Is this about ${suggestion.replace(/^./, (c) => c.toLowerCase())}?`;
        }
        return `What is it about${firstName() ? `, ${firstName()}` : ''}?`;
      case 'suggested':
        return `Is this about ${suggestion!.replace(/^./, (c) => c.toLowerCase())}?`;
      case 'when':
        return `When is a good time for ${owner} to call you back?`;
      case 'confirm':
        return `So ${owner} will call you back ${proposed!.spoken}${message.about ? ` about ${message.about}` : ''}. Is that right?`;
      case 'done':
        return '';
    }
  }

  /** Takes a time the caller named: booked as is when free, else the next free slot is offered. */
  function takeTime(when: When, say: string[]) {
    const free = freeFrom(when.at);
    if (free.getTime() !== when.at.getTime()) {
      const now = setup.now();
      proposed = { at: free, spoken: spokenTime(free, now, setup.timeZone) };
      say.push(
        `${Owner} is busy ${when.spoken.replace(/ at .*/, '')} at that time; ${proposed.spoken.replace(/^(today|tomorrow) at /, '')} is free.`,
      );
    } else proposed = when;
    slot = 'confirm';
  }

  function finish(say: string[], milestones: Milestone[]): Reply {
    if (proposed) {
      message.callbackAt = proposed.at.toISOString();
      message.callbackSpoken = proposed.spoken;
      milestones.push({ kind: 'callback_booked', at: message.callbackAt });
    }
    milestones.push({ kind: 'message_taken', message: { ...message } });
    slot = 'done';
    say.push(
      proposed
        ? `Thank you${firstName() ? `, ${firstName()}` : ''}. ${Owner} will call you back ${proposed.spoken}. Goodbye!`
        : `Thank you${firstName() ? `, ${firstName()}` : ''}. I'll pass your message to ${owner}. Goodbye!`,
    );
    return { say, milestones, end: 'done' };
  }

  return {
    greeting(): string {
      const hello = message.name
        ? `Hello ${firstName()}, you have reached ${owner}.`
        : `Hello, you have reached ${owner}.`;
      return `${hello} ${Owner} can't take your call right now, but I can take a message or book a call back. ${
        message.name ? ask() : 'May I have your name?'
      }`;
    },

    /** The reply to one caller utterance. */
    hear(text: string): Reply {
      const t = ` ${text.toLowerCase()} `;
      const say: string[] = [];
      const milestones: Milestone[] = [];
      if (slot === 'done') return { say: ['Goodbye!'], milestones, end: 'done' };
      const asked = slot;
      let question = false;
      if (URGENT.test(t)) message.urgency = 'urgent';

      if (TRANSFER.test(t)) {
        if (setup.ringing?.()) {
          say.push(`I'm trying ${owner} for you right now. One moment, please.`);
          return { say, milestones };
        }
        if (setup.canTransfer) {
          milestones.push({ kind: 'transfer_requested' });
          return { say: [`Please hold while I try to put you through to ${owner}.`], milestones, end: 'transfer' };
        }
        say.push(`I can't put you through right now, but I'll make sure ${owner} gets your message.`);
      } else if (AVAILABLE.test(t) && /\?|\b(is|are|will|when)\b/.test(t) && slot !== 'confirm') {
        say.push(availability());
        question = true;
      } else if (OFF_LIMITS.test(t)) {
        say.push(`I can't answer that for ${owner}, but I'll pass the question on.`);
        message.about ??= `the question "${text.trim().replace(/[?.!]+$/, '')}"`;
        question = true;
      }

      if (BYE.test(t) && !YES.test(t) && slot !== 'confirm') {
        if (message.about || message.name) return finish(say, milestones);
        return { say: [...say, 'Goodbye!'], milestones, end: 'done' };
      }

      const name = NAME.exec(text);
      if (name && !message.name) {
        const words = name[1]!.split(/\s+/).filter((w) => !NOT_NAMES.has(w.toLowerCase()));
        if (words.length > 0) message.name = titleCase(words.join(' '));
      } else if (slot === 'name' && !message.name) {
        const words = text
          .replace(/[.?!,]/g, '')
          .trim()
          .split(/\s+/);
        if (words.length <= 3 && words[0] && !YES.test(t) && !NO.test(t)) message.name = titleCase(words.join(' '));
      }
      if (message.name && slot === 'name') slot = 'about';

      if (slot === 'suggested') {
        if (YES.test(t) && !NO.test(t)) {
          message.about = suggestion!.replace(/^./, (c) => c.toLowerCase());
          slot = 'when';
        } else {
          suggestion = undefined;
          const about = NO.test(t) && text.split(/\s+/).length <= 3 ? undefined : aboutFrom(text);
          message.about = about;
          slot = about ? 'when' : 'about';
        }
      } else if (question) {
        // an answered question is not what the call is about
      } else if (slot === 'about' && !message.about) {
        const about = aboutFrom(text);
        if (about && !(name && about.toLowerCase().includes(name[1]!.toLowerCase()))) message.about = about;
        else if (/\babout\b/i.test(text)) message.about = aboutFrom(text);
        if (message.about) slot = 'when';
      } else if (!message.about && /\babout\b/i.test(text)) {
        message.about = aboutFrom(text);
      }
      if (slot === 'about' && message.about) slot = 'when';

      const when = question ? undefined : parseWhen(text, setup.now(), setup.timeZone);
      if (slot === 'confirm') {
        if (when && (NO.test(t) || when.at.getTime() !== proposed!.at.getTime())) {
          takeTime(when, say);
          say.push(`Sorry, was that ${proposed!.spoken}?`);
          return { say, milestones };
        }
        if (YES.test(t) && !NO.test(t)) return finish(say, milestones);
        if (NO.test(t)) {
          slot = 'when';
          proposed = undefined;
          say.push(`Sorry about that. When should ${owner} call you back?`);
          return { say, milestones };
        }
        say.push(`Sorry, was that ${proposed!.spoken}?`);
        return { say, milestones };
      }
      if (when && message.name && message.about) takeTime(when, say);
      else if (when) proposed = when;
      if (slot === 'when' && proposed) slot = 'confirm';

      if (asked === 'when' && slot === 'when' && !when && say.length === 0) {
        if (/\b(any ?time|whenever|as soon as|asap)\b/.test(t)) return finish(say, milestones);
        misses++;
        if (misses >= 2) return finish(['Sorry, I did not catch a time.'], milestones);
        say.push(`Sorry, I didn't catch the time. When should ${owner} call you back? For example, tomorrow at nine.`);
        return { say, milestones };
      }
      say.push(ask());
      return { say, milestones };
    },

    /** What was taken so far (stored when the call ends before the dialogue did). */
    message: () => ({ ...message }),
    finished: () => slot === 'done',
  };
}

export type Receptionist = ReturnType<typeof createReceptionist>;
