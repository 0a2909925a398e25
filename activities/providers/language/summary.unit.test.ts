import { describe, expect, it } from 'vitest';
import { summarizeText } from './local-engine.js';
import { retold } from './summary.js';

const occurredAt = '2026-12-01T15:00:00.000Z';
const call = (lines: [string, string][], callerName?: string) => {
  const turns = lines.map(([speaker, text]) => ({ speaker, text }));
  return summarizeText({
    transcript: turns.map((t) => t.text).join(' '),
    turns,
    occurredAt,
    callerName,
    timeZone: 'UTC',
  });
};

describe('offline call summaries', () => {
  it('says who called, about what, and what was agreed, in at most three sentences', () => {
    const { summary } = call(
      [
        ['caller', 'Hi, this is Dana Whitfield, about the roof estimate you sent last week.'],
        ['owner', 'Hi Dana, what can I do for you?'],
        ['caller', 'Can you send me the revised quote by Friday? The chimney needs to be included too.'],
        ['caller', "Great. I'll send you photos of the damage tonight."],
      ],
      'Dana Whitfield',
    );
    expect(summary).toBe(
      'Dana Whitfield called about the roof estimate. The chimney needs to be included too. Agreed: you will send Dana Whitfield the revised quote; Dana sends you photos of the damage tonight.',
    );
  });

  it('is never the transcript minus its first sentence, and retells the caller in the third person', () => {
    const lines: [string, string][] = [
      ['caller', 'Hi, it is Maria.'],
      ['caller', 'I need to move my dentist appointment from Tuesday to Thursday afternoon.'],
      ['owner', 'Sure, Thursday works.'],
    ];
    const { summary } = call(lines);
    expect(summary).toBe(
      'Maria called. Maria needs to move their dentist appointment from Tuesday to Thursday afternoon.',
    );
    expect(summary).not.toContain(lines[1]![1]);
    expect(summary.match(/[.?!](\s|$)/g)!.length).toBeLessThanOrEqual(3);
  });

  it('names a caller who gave no name by what they said they are', () => {
    const { summary } = call([
      ['caller', 'Hello, this is the furnace repair company. The technician can come tomorrow at nine.'],
    ]);
    expect(summary).toBe('The furnace repair company called. The technician can come tomorrow at nine.');
    expect(retold("I'm running late and I need my keys", 'Tom')).toBe('Tom is running late and they needs their keys');
  });
});
