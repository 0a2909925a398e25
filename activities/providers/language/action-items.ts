/**
 * Offline action items a person can act on. Requests to the owner ("can you send me the revised
 * quote by Friday") become the owner's tasks in the third person, naming the caller ("Send Dana
 * Whitfield the revised quote", due Friday in the owner's time zone); promises the caller makes
 * ("I'll email you photos of the gutters tonight") become "waiting on" items ("Dana emails you
 * photos of the gutters tonight"). The owner's own promises are theirs to keep; what the owner
 * asks of the caller is waited on. Rules over the words; pure.
 */
import { dueDayOf } from '../../../platform/when.js';
import type { ActionItem } from './port.js';

export interface ActionItemInput {
  turns: { speaker: string; text: string }[];
  occurredAt: string;
  /** The caller's name when known (the contact, or as they introduced themselves). */
  callerName?: string;
  timeZone?: string;
}

/** A request to the one spoken to; the clause after it is what they are asked to do. */
const REQUEST =
  /\b(?:can you(?: please)?|could you(?: please)?|would you(?: please)?|will you(?: please)?|please|don'?t forget to|remember to|make sure (?:to|you)|i need you to|i'?d like you to|i want you to)\s+/gi;
/** A promise by the speaker. */
const PROMISE = /\b(?:i'?ll|i will|i'?m going to|i am going to|i'?m gonna|(?<!\byou\s)let me|we'?ll|we will)\s+/gi;
/** Where a clause stops: the next clause, a question mark, a courtesy. */
const CLAUSE_END =
  /\s+(?:and|but|so|because)\s+(?:i|we|you)\b|[;?!]|,\s*(?:and|but|so|because|if|then|thanks|thank you|okay|ok|please)\b|\s+(?:if (?:that'?s|it'?s) (?:ok|okay|alright|fine)|if you (?:can|could|get a chance)|when you get a chance|thanks|thank you)\b/i;
/** Asked, but not work: "can you hear me", "could you hold on". */
const NOT_WORK =
  /^(?:hear|believe|imagine|hold|wait|repeat|hang on|spell|speak up|see me|say that|tell me (?:what|who|when|how|if|whether))\b/i;
const ADVERB = /^(?:also|just|probably|definitely|quickly|still|then|maybe|actually|really|first)$/i;
const IRREGULAR: Record<string, string> = { have: 'has', be: 'is', do: 'does', go: 'goes', can: 'can' };

export function thirdPerson(verb: string): string {
  const v = verb.toLowerCase();
  if (IRREGULAR[v]) return IRREGULAR[v];
  if (/(?:s|sh|ch|x|z|o)$/.test(v)) return `${v}es`;
  if (/[^aeiou]y$/.test(v)) return `${v.slice(0, -1)}ies`;
  return `${v}s`;
}

type Voice = 'caller' | 'owner';

/**
 * Pronouns from the speaker's mouth to the owner's list. Words naming the caller become the
 * caller's name the first time and "them" after; words naming the owner become "you".
 */
function retell(clause: string, speaker: Voice, caller: string): string {
  let named = false;
  const callerWord = (possessive: boolean) => {
    if (named) return possessive ? 'their' : 'them';
    named = true;
    return possessive ? `${caller}'s` : caller;
  };
  return clause.replace(/\b(me|my|mine|myself|us|our|ours|you|your|yours|yourself)\b/gi, (w) => {
    const lower = w.toLowerCase();
    const possessive = /^(?:my|mine|our|ours|your|yours)$/.test(lower);
    const aboutSpeaker = /^(?:me|my|mine|myself|us|our|ours)$/.test(lower);
    // The caller's "me" is the caller; the owner's "you" is the caller.
    if ((speaker === 'caller') === aboutSpeaker) return callerWord(possessive);
    return possessive ? 'your' : 'you';
  });
}

function tidy(clause: string): string {
  return clause
    .replace(/\b(?:please|for me please)\b/gi, '')
    .replace(/\s+,/g, ',')
    .replace(/[\s,.]+$/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The clause each trigger introduces, up to the next trigger or the end of the clause. */
function clauses(sentence: string, trigger: RegExp): string[] {
  const out: string[] = [];
  for (const m of sentence.matchAll(trigger)) {
    const rest = sentence.slice(m.index + m[0].length);
    const end = CLAUSE_END.exec(rest);
    const clause = (end ? rest.slice(0, end.index) : rest).slice(0, 160);
    if (clause.trim().split(/\s+/).length >= 2 || /^\w+\s+\w+/.test(clause)) out.push(clause);
  }
  return out;
}

/** "this is Dana Whitfield", "my name is Dana": the caller's name as they gave it. */
export function introducedName(text: string): string | undefined {
  const m = /\b(?:[Tt]his is|[Mm]y name is|[Ii]t'?s|[Ii]t is)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z'-]+)?)/.exec(text);
  if (!m) return undefined;
  const name = m[1]!.replace(/\s+(?:From|Calling|Here|Again)$/, '');
  return /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December|Me|Just|About|The|Not)\b/.test(
    name,
  )
    ? undefined
    : name;
}

export function extractActionItems(input: ActionItemInput, sentencesOf: (text: string) => string[]): ActionItem[] {
  const now = new Date(input.occurredAt);
  const timeZone = input.timeZone ?? 'UTC';
  const callerTurns = input.turns.filter((t) => t.speaker !== 'owner');
  const caller =
    input.callerName?.trim() ||
    introducedName(
      callerTurns
        .slice(0, 3)
        .map((t) => t.text)
        .join(' '),
    );
  const full = caller ?? 'the caller';
  const first = caller ? caller.split(/\s+/)[0]! : 'The caller';
  const items: ActionItem[] = [];
  const seen = new Set<string>();
  const add = (item: ActionItem) => {
    const key = `${item.owner}:${item.title.toLowerCase()}:${item.dueDate ?? ''}`;
    if (item.title.length < 3 || seen.has(key)) return;
    seen.add(key);
    items.push(item);
  };
  for (const turn of input.turns) {
    const voice: Voice = turn.speaker === 'owner' ? 'owner' : 'caller';
    for (const sentence of sentencesOf(turn.text)) {
      for (const raw of clauses(sentence, REQUEST)) {
        if (NOT_WORK.test(raw.trim())) continue;
        const due = deadline(raw);
        if (voice === 'caller') {
          // Asked of the owner: the owner's task, the deadline as its due date.
          const title = tidy(retell(due ? raw.replace(due.phrase, ' ') : raw, 'caller', full));
          add({ title: capital(title), owner: 'me', dueDate: due?.at.toISOString() });
        } else {
          add(waitingOn(raw, first, due?.at));
        }
      }
      for (const raw of clauses(sentence, PROMISE)) {
        const due = deadline(raw);
        if (voice === 'owner') {
          const title = tidy(retell(due ? raw.replace(due.phrase, ' ') : raw, 'owner', full));
          add({ title: capital(title), owner: 'me', dueDate: due?.at.toISOString() });
        } else {
          add(waitingOn(raw, first, due?.at, true));
        }
      }
    }
  }
  return items.slice(0, 10);

  /** The day a clause is due, unless the day is only talked about ("let me know if Thursday works"). */
  function deadline(clause: string) {
    const due = dueDayOf(clause, now, timeZone);
    if (!due) return undefined;
    return /\b(?:if|whether)\b/i.test(clause.slice(0, clause.indexOf(due.phrase))) ? undefined : due;
  }

  /** What the owner waits on: "<First> <verb>s …", in the caller's words retold. */
  function waitingOn(raw: string, name: string, due: Date | undefined, callerSaid = false): ActionItem {
    const words = tidy(callerSaid ? retellPromise(raw) : retell(raw, 'owner', 'them')).split(/\s+/);
    const verbAt = words.findIndex((w) => !ADVERB.test(w));
    if (verbAt >= 0) words[verbAt] = thirdPerson(words[verbAt]!);
    return { title: `${name} ${words.join(' ')}`, owner: 'them', dueDate: due?.toISOString() };
  }
}

/** A caller's promise retold: their "me/my" is the caller themself, their "you" the owner. */
function retellPromise(clause: string): string {
  return clause.replace(/\b(me|my|mine|myself|us|our)\b/gi, (w) => (/^(?:my|mine|our)$/i.test(w) ? 'their' : 'them'));
}
