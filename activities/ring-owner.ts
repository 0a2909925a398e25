/**
 * Ring the owner first: which callers ring the owner's phone before the receptionist takes the
 * call, and when. Pure; the answer activity asks it with the caller's contact and the time.
 */

export interface RingOwnerRule {
  /** `off`, `everyone`, `contacts`, or `score>=N` (contacts whose relationship score is at least N). */
  rule: string;
  /** `HH:MM-HH:MM` on weekdays in the owner's time zone; unset: at any time. */
  hours?: string;
  /** How long the owner's phone rings. */
  seconds: number;
}

export interface RingCaller {
  /** The caller is one of the owner's contacts. */
  isContact: boolean;
  /** The contact's relationship score (0-100), when scored. */
  score?: number | null;
}

/** Whether this caller rings the owner first at `now`. */
export function ringsOwnerFirst(r: RingOwnerRule, caller: RingCaller, now: Date, timeZone: string): boolean {
  if (!whoRings(r.rule, caller)) return false;
  return r.hours ? withinHours(r.hours, now, timeZone) : true;
}

function whoRings(rule: string, caller: RingCaller): boolean {
  if (rule === 'everyone') return true;
  if (rule === 'contacts') return caller.isContact;
  const min = /^score>=(\d{1,3})$/.exec(rule);
  if (min)
    return caller.isContact && caller.score !== undefined && caller.score !== null && caller.score >= Number(min[1]);
  return false;
}

/** Weekdays between the two times (the end excluded), read on the owner's clock. */
export function withinHours(hours: string, now: Date, timeZone: string): boolean {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(hours);
  if (!m) return false;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  if (part('weekday') === 'Sat' || part('weekday') === 'Sun') return false;
  const minute = Number(part('hour')) * 60 + Number(part('minute'));
  const from = Number(m[1]) * 60 + Number(m[2]);
  const to = Number(m[3]) * 60 + Number(m[4]);
  return minute >= from && minute < to;
}
