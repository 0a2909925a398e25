/**
 * The offline summary a person would write: who called and about what, the one fact that matters,
 * and what was asked or agreed, in at most three sentences of the third person. Built from the
 * call's own parse (the key sentence TextRank picks, the action items), never a copy of the
 * transcript. Pure; the sentence ranker is passed in.
 */
import type { ActionItem } from './port.js';
import { introducedName, thirdPerson } from './action-items.js';

export interface SummaryInput {
  turns: { speaker: string; text: string }[];
  callerName?: string;
  actionItems: ActionItem[];
}

/** Small talk: a greeting or courtesy word and at most a few more words. */
const GREETING =
  /^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks?|thank you|bye|goodbye|ok(?:ay)?|sure|great|perfect|yes|no|yeah|right)\b[,!\s]*(?:\S+\s*){0,4}$/i;
const INTRO_CLAUSE = /^(?:(?:hi|hello|hey)[,!\s]+)?(?:this is|it'?s|it is|my name is)\s+[^,.?!]{1,40},\s*/i;
/** A statement has a verb: a fragment ("Tomorrow at 10 in the morning.") is no fact to report. */
const VERB =
  /\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|should|must|need|needs|want|wants|got|did|does|do|fell|broke|went|came|said|told|took|left|saw|made|sent|gave|found|lost|paid|bought|began|ran|met|won|kept|held|brought|thought|felt|[a-z]{3,}ed|[a-z]{3,}s)\b/i;
const INTERJECTION = /^(?:(?:hi|hello|hey|so|well|oh|okay|ok|yeah)[,!.\s]+)+/i;
const INTRO = /^(?:(?:hi|hello|hey)[,!\s]+)?(?:this is|it'?s|it is|my name is)\s+(?:\S+\s*){1,7}$/i;
const ABOUT =
  /(?:\b(?:calling|call|called|here|question|talk|speak|message|news|reaching out)\s+|,\s*)(?:about|regarding)\s+((?:the|my|your|our|a|an|this|that)\s+)?([a-z][\w' -]{2,60}?)(?=\s+(?:that|which|you|we|i|from|for|and|but|because|since|last|this|next|on)\b|[,.?!]|$)/i;

const SAME: Record<string, string> = {
  am: 'is',
  "'m": 'is',
  have: 'has',
  "'ve": 'has',
  was: 'was',
  will: 'will',
  "'ll": 'will',
  can: 'can',
  could: 'could',
  would: 'would',
  should: 'should',
  did: 'did',
  need: 'needs',
  "don't": "doesn't",
  do: 'does',
};

/** A caller's sentence in the third person: "I need to move my appointment" -> "Maria needs to move her… their appointment". */
export function retold(sentence: string, name?: string): string {
  if (!name)
    return sentence
      .replace(/\bI(?:'m| am)\b/g, 'they are')
      .replace(/\bI've\b/g, 'they have')
      .replace(/\bI'll\b/g, 'they will')
      .replace(/\bI\b/g, 'they')
      .replace(/\b(?:my|our)\b/gi, 'their')
      .replace(/\b(?:me|us)\b/gi, 'them')
      .replace(/\bwe\b/gi, 'they')
      .replace(/^they\b/, 'They');
  let named = false;
  const subject = () => {
    if (named) return 'they';
    named = true;
    return name;
  };
  return sentence
    .replace(/\bI(?:'m| am)\b/g, () => `${subject()} is`)
    .replace(/\bI(?:'ve)\b/g, () => `${subject()} has`)
    .replace(/\bI(?:'ll)\b/g, () => `${subject()} will`)
    .replace(/\bI\s+([a-z']+)/g, (_, verb: string) => {
      const v = verb.toLowerCase();
      const conj =
        SAME[v] ?? (/ed$/.test(v) || /^(?:got|had|went|said|took|left|saw|made|sent)$/.test(v) ? v : thirdPerson(v));
      return `${subject()} ${conj}`;
    })
    .replace(/\b(?:my|our)\b/gi, 'their')
    .replace(/\b(?:me|us)\b/gi, 'them')
    .replace(/\bwe\b/gi, 'they')
    .replace(/^they\b/, 'They');
}

const sentence = (s: string) => {
  const t = s.trim().replace(/\s+/g, ' ');
  return /[.?!]$/.test(t) ? t : `${t}.`;
};

/** What the call was about, from "about the roof estimate …", else undefined. */
export function subjectOf(sentences: string[]): string | undefined {
  for (const s of sentences.slice(0, 4)) {
    const m = ABOUT.exec(s);
    if (m && !/^(?:it|that|this|to|you)\b/i.test(m[2]!))
      return `${(m[1] ?? 'the ').toLowerCase()}${m[2]!.trim()}`.replace(/\bmy\b/, 'their');
  }
  return undefined;
}

export function summarizeCall(
  input: SummaryInput,
  sentencesOf: (t: string) => string[],
  rank: (s: string[]) => string[],
): string {
  const callerTurns = input.turns.filter((t) => t.speaker !== 'owner');
  const callerSentences = callerTurns.flatMap((t) => sentencesOf(t.text)).map((s) => s.trim());
  if (callerSentences.length === 0 && input.turns.every((t) => !t.text.trim()))
    return 'No speech was recognised in this call.';
  const name = input.callerName?.trim() || introducedName(callerSentences.slice(0, 3).join(' '));
  const party = name ? undefined : introducedParty(callerSentences.slice(0, 2).join(' '));
  const who = name ?? party ?? 'Someone';
  const first = name ? name.split(/\s+/)[0]! : undefined;
  const substantive = callerSentences.filter((s) => !GREETING.test(s) && !INTRO.test(s) && s.split(/\s+/).length >= 4);
  const subject = subjectOf(callerSentences);
  const out: string[] = [subject ? `${who} called about ${subject}.` : `${who} called.`];
  // The one fact that matters: the best-ranked caller sentence that is not a request or promise.
  // (and not the one that said what the call is about), said as a statement with a verb, past any
  // introduction the recogniser ran into it ("This is accounting, the March invoice is unpaid").
  const about = subject?.replace(/^(?:the|their|a|an) /, '');
  const facts = substantive
    .map((s) => s.replace(INTRO_CLAUSE, ''))
    .filter((s) => VERB.test(s) && s.split(/\s+/).length >= 4)
    .filter(
      (s) =>
        !/\b(?:can you|could you|would you|please|i'?ll|i will)\b/i.test(s) &&
        !(about && s.toLowerCase().includes(about)),
    );
  const [key] = rank(facts);
  if (key) out.push(sentence(capital(retold(key.replace(INTERJECTION, ''), first))));
  // What was asked of the owner and what was promised, in one sentence.
  const asked = input.actionItems.filter((i) => i.owner === 'me').map((i) => lowerFirst(i.title));
  const waitingName = first ?? 'The caller';
  const promised = input.actionItems
    .filter((i) => i.owner === 'them')
    .map((i) => (i.title.startsWith(`${waitingName} `) ? i.title.slice(waitingName.length + 1) : i.title));
  const parts: string[] = [];
  if (asked.length) parts.push(`you will ${list(asked.slice(0, 2))}`);
  if (promised.length) parts.push(`${first ?? 'the caller'} ${list(promised.slice(0, 2))}`);
  if (parts.length) out.push(sentence(capital(`agreed: ${parts.join('; ')}`)));
  return out.slice(0, 3).join(' ');
}

/** "this is the furnace repair company" -> "The furnace repair company", for callers who give no name. */
function introducedParty(text: string): string | undefined {
  const m =
    /\b(?:this is|it'?s|calling from)\s+((?:the\s+)?[a-z][\w' -]{2,40}?)(?=[.,!?]|\s+(?:and|calling|here|with)\b)/i.exec(
      text,
    );
  return m ? capital(m[1]!.trim()) : undefined;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const list = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
