/** Who rings the owner first, and when (the owner's clock, weekdays). */
import { describe, expect, it } from 'vitest';
import { ringsOwnerFirst, withinHours } from './ring-owner.js';

// Wednesday 2026-12-02 15:30 UTC = 09:30 in Chicago; Saturday 2026-12-05 15:30 UTC = 09:30 there.
const wednesday = new Date('2026-12-02T15:30:00Z');
const saturday = new Date('2026-12-05T15:30:00Z');
const zone = 'America/Chicago';
const stranger = { isContact: false };
const friend = { isContact: true, score: 72 };
const acquaintance = { isContact: true, score: 18 };
const unscored = { isContact: true, score: null };

describe('ring the owner first', () => {
  it('follows the rule: nobody, everyone, contacts, or contacts above a score', () => {
    const at = (rule: string, caller: Parameters<typeof ringsOwnerFirst>[1]) =>
      ringsOwnerFirst({ rule, seconds: 20 }, caller, wednesday, zone);
    expect([stranger, friend].map((c) => at('off', c))).toEqual([false, false]);
    expect([stranger, friend].map((c) => at('everyone', c))).toEqual([true, true]);
    expect([stranger, acquaintance, friend].map((c) => at('contacts', c))).toEqual([false, true, true]);
    expect([stranger, unscored, acquaintance, friend].map((c) => at('score>=50', c))).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect(at('score>=72', friend)).toBe(true);
    expect(at('something else', friend)).toBe(false);
  });

  it("rings only within the hours on the owner's clock, on weekdays", () => {
    const rule = { rule: 'everyone', hours: '09:00-18:00', seconds: 20 };
    expect(ringsOwnerFirst(rule, stranger, wednesday, zone)).toBe(true);
    expect(ringsOwnerFirst(rule, stranger, saturday, zone)).toBe(false);
    // 09:30 in Chicago is 15:30 in London: outside 09:00-12:00 there.
    expect(ringsOwnerFirst({ ...rule, hours: '09:00-12:00' }, stranger, wednesday, 'Europe/London')).toBe(false);
    expect(withinHours('09:30-10:00', wednesday, zone)).toBe(true);
    expect(withinHours('09:00-09:30', wednesday, zone)).toBe(false); // the end is excluded
    expect(withinHours('00:00-24:00', wednesday, zone)).toBe(true);
  });
});
