import { describe, expect, it } from 'vitest';
import { coverage, sentencesOf, stem, termsOf } from './text.js';

describe('question words against call words', () => {
  it('keeps the content words, stemmed, with everyday synonyms', () => {
    expect([...termsOf("When is mom's birthday dinner?")]).toEqual(['mom', 'birthday', 'dinner']);
    expect([...termsOf('What did my mother say about the estimates?')]).toEqual(['mom', 'quote']);
    expect(['quotes', 'called', 'dinners', 'boxes', 'parties'].map(stem)).toEqual([
      'quote',
      'call',
      'dinner',
      'box',
      'party',
    ]);
  });

  it('weighs long words over short ones when judging how much of a question a sentence covers', () => {
    const q = termsOf('What did the bank say about the mortgage rate?');
    const full = coverage(q, termsOf('Your mortgage rate with the bank is locked.'));
    const part = coverage(q, termsOf('The mortgage was approved.'));
    const none = coverage(q, termsOf('The plumber fixed the water heater.'));
    expect(full.share).toBe(1);
    expect(part.share).toBeGreaterThan(0.4);
    expect(part.share).toBeLessThan(0.6);
    expect(none).toEqual({ share: 0, matched: [] });
  });

  it('splits timed segments into sentences, each at its place in the segment', () => {
    expect(
      sentencesOf([{ speaker: 'caller', startMs: 1000, endMs: 5000, text: 'Hi there. The dinner is on Saturday!' }]),
    ).toEqual([
      { speaker: 'caller', text: 'Hi there.', startMs: 1000 },
      { speaker: 'caller', text: 'The dinner is on Saturday!', startMs: 2111 },
    ]);
    const words = [1000, 1300, 2600, 2900, 3100, 3300, 3500].map((startMs) => ({ startMs }));
    expect(
      sentencesOf([
        { speaker: 'caller', startMs: 1000, endMs: 5000, text: 'Hi there. The dinner is on Saturday!', words },
      ])[1],
    ).toMatchObject({ startMs: 2600 });
    // A decimal point is no sentence end, and never moves a sentence past the last word.
    const priced = 'It costs $2.50 a month. Bye.';
    const at = [0, 200, 400, 800, 1000, 1400].map((startMs) => ({ startMs }));
    expect(sentencesOf([{ speaker: 'caller', startMs: 0, endMs: 2000, text: priced, words: at }])).toEqual([
      { speaker: 'caller', text: 'It costs $2.50 a month.', startMs: 0 },
      { speaker: 'caller', text: 'Bye.', startMs: 1400 },
    ]);
  });
});
