/**
 * Callback times as callers say them ("tomorrow at nine", "Thursday afternoon", "at 3:30 pm"),
 * resolved in the owner's time zone. Pure; `now` is given.
 */

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};
const MINUTE_WORDS: Record<string, number> = { fifteen: 15, thirty: 30, 'forty five': 45, 'forty-five': 45 };
const PARTS_OF_DAY: Record<string, number> = {
  morning: 9,
  noon: 12,
  lunchtime: 12,
  afternoon: 14,
  evening: 18,
  tonight: 18,
};

export interface When {
  /** The moment, as an instant. */
  at: Date;
  /** What the caller said, normalised for reading back ("tomorrow at 9 AM"). */
  spoken: string;
}

/** Parts of `date` in `timeZone`. */
function zoned(date: Date, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'long',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS.indexOf(String(parts.weekday).toLowerCase()),
  };
}

/** The instant of a wall-clock time in `timeZone` (two passes settle daylight-saving offsets). */
export function wallClock(y: number, m: number, d: number, h: number, min: number, timeZone: string): Date {
  let guess = Date.UTC(y, m - 1, d, h, min);
  for (let i = 0; i < 2; i++) {
    const z = zoned(new Date(guess), timeZone);
    const shown = Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute);
    guess += Date.UTC(y, m - 1, d, h, min) - shown;
  }
  return new Date(guess);
}

/** "9 AM", "3:30 PM". */
export function clockText(hour: number, minute: number): string {
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return `${h12}${minute ? `:${String(minute).padStart(2, '0')}` : ''} ${hour < 12 ? 'AM' : 'PM'}`;
}

/** How `at` reads to a caller from `now`: "today at 3 PM", "tomorrow at 9 AM", "Thursday at 2 PM". */
export function spokenTime(at: Date, now: Date, timeZone: string): string {
  const a = zoned(at, timeZone);
  const n = zoned(now, timeZone);
  const days = Math.round((Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(n.year, n.month - 1, n.day)) / 86_400_000);
  const day =
    days === 0
      ? 'today'
      : days === 1
        ? 'tomorrow'
        : days < 7
          ? WEEKDAYS[a.weekday]!.replace(/^./, (c) => c.toUpperCase())
          : `on ${a.month}/${a.day}`;
  return `${day} at ${clockText(a.hour, a.minute)}`;
}

/**
 * The callback time in `text`, or undefined when it names none. A day without a time takes the
 * part of day or 9 AM; a time without a day is today when still ahead, else tomorrow. Hours 1-7
 * without AM/PM are afternoon (nobody asks for a call back at 3 in the night).
 */
export function parseWhen(text: string, now: Date, timeZone: string): When | undefined {
  const t = ` ${text
    .toLowerCase()
    .replace(/[.,!?]/g, ' ')
    .replace(/\s+/g, ' ')} `;
  const today = zoned(now, timeZone);
  let dayOffset: number | undefined;
  if (/ (today|this (morning|afternoon|evening)|tonight) /.test(t)) dayOffset = 0;
  if (/ tomorrow /.test(t)) dayOffset = 1;
  if (/ day after tomorrow /.test(t)) dayOffset = 2;
  const weekday = WEEKDAYS.findIndex((w) => t.includes(` ${w} `));
  if (weekday >= 0) dayOffset = (weekday - today.weekday + 7) % 7 || 7;

  let hour: number | undefined;
  let minute = 0;
  const digits = / (?:at |around |about |by )?(\d{1,2})(?::(\d{2}))? ?(a\.?m\.?|p\.?m\.?|o'?clock)? /.exec(
    t.replace(/(\d)(am|pm)/g, '$1 $2'),
  );
  const words = new RegExp(
    ` (?:at |around |about |by )(${Object.keys(NUMBER_WORDS).join('|')})(?: (${Object.keys(MINUTE_WORDS).join('|')}))?(?: (am|pm|a m|p m|o'?clock|in the morning|in the afternoon|in the evening))? `,
  ).exec(t);
  let meridiem: string | undefined;
  if (digits && Number(digits[1]) >= 1 && Number(digits[1]) <= 23) {
    hour = Number(digits[1]);
    minute = digits[2] ? Math.min(59, Number(digits[2])) : 0;
    meridiem = digits[3];
  } else if (words) {
    hour = NUMBER_WORDS[words[1]!]!;
    minute = words[2] ? MINUTE_WORDS[words[2]]! : 0;
    meridiem = words[3];
  }
  const part = Object.keys(PARTS_OF_DAY).find((p) => t.includes(` ${p} `));
  if (hour !== undefined) {
    const pm =
      /^p/.test(meridiem ?? '') ||
      /afternoon|evening/.test(meridiem ?? '') ||
      (part && PARTS_OF_DAY[part]! >= 12 && part !== 'noon');
    const am = /^a/.test(meridiem ?? '') || /morning/.test(meridiem ?? '');
    if (hour < 12 && pm) hour += 12;
    else if (hour === 12 && am) hour = 0;
    else if (!am && !pm && hour >= 1 && hour <= 7) hour += 12;
  } else if (part) {
    hour = PARTS_OF_DAY[part]!;
  } else if (dayOffset === undefined) {
    return undefined;
  } else {
    hour = 9;
  }
  let offset = dayOffset ?? 0;
  if (dayOffset === undefined && (hour < today.hour || (hour === today.hour && minute <= today.minute))) offset = 1;
  const base = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
  const at = wallClock(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), hour, minute, timeZone);
  return { at, spoken: spokenTime(at, now, timeZone) };
}

const DUE =
  /\b(?:(?:by|before|on|until|for)\s+)?(?:(?:this|next)\s+)?(?:(today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:\s+(?:morning|afternoon|evening|night))?|(?:the\s+)?end\s+of\s+(?:the\s+)?(day|week|month)|(this|next)\s+week)\b/i;

export interface Due {
  /** Noon of the day in the owner's time zone, so the day reads the same in every zone's date. */
  at: Date;
  /** The words that named it ("by Friday"), to leave out of a task's title. */
  phrase: string;
}

/**
 * The day a deadline names ("by Friday", "tomorrow", "end of the week", "next week"), in
 * `timeZone`, or undefined when the text names no day. Times of day are not deadlines here.
 */
export function dueDayOf(text: string, now: Date, timeZone: string): Due | undefined {
  const m = DUE.exec(text);
  if (!m) return undefined;
  const today = zoned(now, timeZone);
  const word = (m[1] ?? '').toLowerCase();
  let offset: number;
  if (word === 'today' || word === 'tonight' || m[2]?.toLowerCase() === 'day') offset = 0;
  else if (word === 'tomorrow') offset = 1;
  else if (word) {
    offset = (WEEKDAYS.indexOf(word) - today.weekday + 7) % 7 || 7;
    if (/^(?:\w+\s+)?next\s/i.test(m[0]) && offset < 7 && WEEKDAYS.indexOf(word) > today.weekday) offset += 7;
  } else if (m[2]?.toLowerCase() === 'month') {
    offset = new Date(Date.UTC(today.year, today.month, 0)).getUTCDate() - today.day;
  } else if (m[3]?.toLowerCase() === 'next') offset = (1 - today.weekday + 7) % 7 || 7;
  else offset = Math.max(0, 5 - today.weekday); // this week, the end of the week: Friday
  const day = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
  return {
    at: wallClock(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 12, 0, timeZone),
    phrase: m[0],
  };
}

/** Midnight `days` days from today in `timeZone` (negative: before), as an instant. */
export function startOfDay(now: Date, timeZone: string, days = 0): Date {
  const t = zoned(now, timeZone);
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day + days));
  return wallClock(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, timeZone);
}

/** The weekday of `now` in `timeZone`, 0 for Sunday. */
export function weekdayIn(now: Date, timeZone: string): number {
  return zoned(now, timeZone).weekday;
}

/** "Tue 1 Dec" in `timeZone`. */
export function shortDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short' })
    .format(at)
    .replace(',', '');
}
