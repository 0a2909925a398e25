/** Phone-number normalisation shared by caller ID, webhooks and search. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export interface NormalisedParty {
  /** E.164 when the input is a valid phone number; otherwise null. */
  e164: string | null;
  /** What to store and show: E.164, or the cleaned original (SIP URI, short code, "anonymous"). */
  display: string;
  kind: 'number' | 'sip' | 'short_code' | 'withheld' | 'alphanumeric' | 'unknown';
}

const withheld = /^(anonymous|restricted|private|unknown|unavailable|withheld)$/i;

/** Normalise any party identifier Telnyx may send. Never throws. */
export function normaliseParty(raw: string | null | undefined, region: CountryCode): NormalisedParty {
  const value = (raw ?? '').trim();
  if (value === '' || withheld.test(value)) return { e164: null, display: 'anonymous', kind: 'withheld' };
  if (/^sips?:/i.test(value)) {
    const user = value.replace(/^sips?:/i, '').split('@')[0] ?? '';
    const asNumber = toE164(user, region);
    if (withheld.test(user)) return { e164: null, display: 'anonymous', kind: 'withheld' };
    return asNumber
      ? { e164: asNumber, display: asNumber, kind: 'number' }
      : { e164: null, display: value.slice(0, 200), kind: 'sip' };
  }
  const digits = value.replace(/\D/g, '');
  if (!value.startsWith('+') && digits.length >= 3 && digits.length <= 6 && /^\d+$/.test(value)) {
    return { e164: null, display: digits, kind: 'short_code' };
  }
  const e164 = toE164(value, region);
  if (e164) return { e164, display: e164, kind: 'number' };
  if (/[a-z]/i.test(value)) return { e164: null, display: value.slice(0, 64), kind: 'alphanumeric' };
  return { e164: null, display: value.slice(0, 64), kind: 'unknown' };
}

/** E.164 for a phone number in any common format, or null. */
export function toE164(raw: string, region: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(raw, region);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** A human format for display ("+1 212 555 0100" / national for the default region). */
export function formatPhone(raw: string, region: CountryCode): string {
  const parsed = parsePhoneNumberFromString(raw, region);
  if (!parsed || !parsed.isValid()) return raw;
  return parsed.country === region ? parsed.formatNational() : parsed.formatInternational();
}

/** "+1 ••• ••• 0100": for logs and the Temporal UI, where raw numbers must not appear. */
export function maskPhone(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 7) return raw === 'anonymous' ? raw : '•••';
  return `+${digits.slice(0, digits.length - 10 > 0 ? digits.length - 10 : 1)} ••• ••• ${digits.slice(-4)}`;
}
