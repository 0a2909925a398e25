/** How the dashboard writes times, durations, numbers and phone numbers: in the viewer's locale and time zone. */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const when = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—');
export const day = (iso: string | null | undefined) =>
  iso ? dateOnly.format(new Date(iso.length === 10 ? `${iso}T12:00:00` : iso)) : '—';

export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const s = (new Date(iso).getTime() - Date.now()) / 1000;
  const abs = Math.abs(s);
  if (abs < 60) return relative.format(Math.round(s), 'second');
  if (abs < 3600) return relative.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 45) return relative.format(Math.round(s / 86400), 'day');
  return dateOnly.format(new Date(iso));
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export const clock = (ms: number | undefined) => (ms === undefined ? '' : duration(ms / 1000));

export function phone(e164: string | null | undefined): string {
  if (!e164) return 'Unknown number';
  const parsed = parsePhoneNumberFromString(e164);
  return parsed ? parsed.formatInternational() : e164;
}

export const name = (first?: string | null, last?: string | null) => [first, last].filter(Boolean).join(' ') || null;

export const pct = (n: number) => `${Math.round(n)}`;
