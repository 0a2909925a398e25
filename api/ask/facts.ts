/**
 * Questions about structured facts, answered by queries: when a contact last called, what is open
 * with them, who called in a range, what is due. Anything else returns undefined and goes to
 * retrieval. Every answer cites the calls its facts come from.
 */
import type { Database } from '../../db/client.js';
import {
  callsBetween,
  callsWith,
  contactsNamedIn,
  openTasksWith,
  tasksDueBefore,
  type CallFact,
  type TaskFact,
} from '../../db/queries/ask.js';
import type { CountryCode } from 'libphonenumber-js';
import { formatPhone } from '../../platform/phone.js';
import { shortDay, startOfDay, weekdayIn } from '../../platform/when.js';
import type { Answer, Citation } from './types.js';

const LAST_CALL =
  /\b(?:when did (?:i )?(?:last )?(?:talk|speak|hear from)|when was (?:the|my) last (?:call|conversation) (?:with|from)|last (?:call|conversation) (?:with|from)|when did .+ (?:last )?(?:call|ring|phone))\b/i;
const OPEN_WITH =
  /\b(?:what(?:'s| is)? (?:open|outstanding|pending)|open (?:tasks|items)|what do i owe|what am i waiting (?:on|for) from)\b/i;
/** "Who called this week?" (a range, or nothing after it); "who called about the roof?" is retrieval's. */
const WHO_CALLED =
  /\bwho (?:called|phoned|rang|has called)(?: me)?(?:\s+(?:(?:this|last) (?:week|month)|today|yesterday|recently|lately))?\s*[?.!]*$/i;
const DUE =
  /\b(?:what(?:'s| is)? (?:due|overdue)|what do i (?:have|need) to do|my (?:open )?tasks|what(?:'s| is) on my (?:list|plate))\b/i;

interface Range {
  from: Date;
  to: Date;
  words: string;
}

/** The range a question names, in the owner's time zone; `fallback` when it names none. */
function rangeOf(q: string, now: Date, tz: string, fallback: 'week' | 'nextWeek'): Range {
  const day = (n: number) => startOfDay(now, tz, n);
  const monday = -((weekdayIn(now, tz) + 6) % 7);
  if (/\btoday\b/i.test(q)) return { from: day(0), to: day(1), words: 'today' };
  if (/\byesterday\b/i.test(q)) return { from: day(-1), to: day(0), words: 'yesterday' };
  if (/\btomorrow\b/i.test(q)) return { from: day(0), to: day(2), words: 'by tomorrow' };
  if (/\blast week\b/i.test(q)) return { from: day(monday - 7), to: day(monday), words: 'last week' };
  if (/\bthis month\b/i.test(q)) return { from: day(-30), to: day(1), words: 'in the last 30 days' };
  if (fallback === 'nextWeek') return { from: day(-3650), to: day(8), words: 'in the next 7 days' };
  return { from: day(monday), to: day(monday + 7), words: 'this week' };
}

const whoOf = (f: { contactName: string | null; phoneNumber?: string }, region: CountryCode) =>
  f.contactName ?? (f.phoneNumber ? formatPhone(f.phoneNumber, region) : 'Unknown');
const minutes = (s: number | null) => (s ? `${Math.max(1, Math.round(s / 60))} min` : '');
const firstSentence = (s: string | null) => (s ? (/^[^.?!]*[.?!]?/.exec(s)?.[0] ?? s).trim() : '');
/** A summary's gist: its first sentence, past a bare "Dana Whitfield called." that names nobody new. */
const gist = (s: string | null) => firstSentence(s?.replace(/^[^.?!]{1,80} called\.\s+(?=\S)/, '') ?? null);

function cite(call: CallFact | TaskFact, quote: string): Citation | undefined {
  const id = 'phoneRecordId' in call ? call.phoneRecordId : call.id;
  return id ? { phoneRecordId: id, quote: quote.slice(0, 300) } : undefined;
}

function taskLine(t: TaskFact, tz: string): string {
  const due = t.dueDate ? ` (due ${shortDay(t.dueDate, tz)})` : '';
  return t.owner === 'them' ? `waiting on: ${t.title}${due}` : `${t.title}${due}`;
}

export async function answerFromFacts(
  db: Database,
  question: string,
  now: Date,
  tz: string,
  region: CountryCode,
): Promise<Answer | undefined> {
  const q = question.trim();
  if (WHO_CALLED.test(q)) {
    const range = rangeOf(q, now, tz, 'week');
    const calls = (await callsBetween(db, range.from, range.to)).filter((c) => c.direction === 'inbound');
    if (calls.length === 0) return { answer: `Nobody called ${range.words}.`, citations: [], mode: 'facts' };
    const lines = calls.map(
      (c) =>
        `${whoOf(c, region)}, ${shortDay(c.at, tz)}${c.status === 'missed' ? ' (missed)' : ''}${c.summary ? `: ${gist(c.summary)}` : ''}`,
    );
    return {
      answer: `${calls.length} call${calls.length === 1 ? '' : 's'} ${range.words}:\n${lines.join('\n')}`,
      citations: calls.map((c) => cite(c, c.summary ?? `${c.status} call`)).filter((c): c is Citation => !!c),
      mode: 'facts',
    };
  }
  if (DUE.test(q) && !/\bwith\b/i.test(q)) {
    const range = rangeOf(q, now, tz, 'nextWeek');
    const due = await tasksDueBefore(db, range.to);
    if (due.length === 0) return { answer: `Nothing is due ${range.words}.`, citations: [], mode: 'facts' };
    return {
      answer: `Due ${range.words}:\n${due.map((t) => `${taskLine(t, tz)}${t.contactName ? ` — ${t.contactName}` : ''}`).join('\n')}`,
      citations: due.map((t) => cite(t, t.title)).filter((c): c is Citation => !!c),
      mode: 'facts',
    };
  }
  const asksLast = LAST_CALL.test(q);
  const asksOpen = OPEN_WITH.test(q);
  if (!asksLast && !asksOpen) return undefined;
  const [person] = await contactsNamedIn(db, q);
  if (!person) return undefined;
  const name = `${person.firstName} ${person.lastName}`.trim();
  if (asksOpen) {
    const open = await openTasksWith(db, person.id);
    if (open.length === 0) return { answer: `Nothing is open with ${name}.`, citations: [], mode: 'facts' };
    return {
      answer: `Open with ${name}:\n${open.map((t) => taskLine(t, tz)).join('\n')}`,
      citations: open.map((t) => cite(t, t.title)).filter((c): c is Citation => !!c),
      mode: 'facts',
    };
  }
  const [last] = await callsWith(db, person.id, 1);
  if (!last) return { answer: `There is no call with ${name} on record.`, citations: [], mode: 'facts' };
  const how = [
    last.direction === 'outbound' ? 'you called them' : last.status === 'missed' ? 'missed' : '',
    minutes(last.durationSeconds),
  ]
    .filter(Boolean)
    .join(', ');
  const time = new Intl.DateTimeFormat('en-US', { timeZone: tz, hour: 'numeric', minute: '2-digit' }).format(last.at);
  return {
    answer: `${name}'s last call was on ${shortDay(last.at, tz)} at ${time}${how ? ` (${how})` : ''}.${last.summary ? ` ${gist(last.summary)}` : ''}`,
    citations: [cite(last, last.summary ?? `${last.status} call`)!],
    mode: 'facts',
  };
}
