import { afterAll, describe, expect, it } from 'vitest';
import { createLocalLanguage } from './local.js';

const language = createLocalLanguage();
afterAll(() => language.close());

const occurredAt = '2026-11-30T10:00:00.000Z';
const turns = [
  { speaker: 'caller', text: 'Hi, the invoice for October has not been paid yet. Can you send the payment by Friday?' },
  { speaker: 'owner', text: "Sorry about that. I'll send the payment tomorrow morning." },
];

describe('local language engine', () => {
  it('summarises, finds action items with dates and scores sentiment per speaker, on its own thread', async () => {
    const transcript = turns.map((t) => t.text).join(' ');
    const summary = await language.summarize({ transcript, turns, occurredAt, timeZone: 'UTC' });
    expect(language.threadId()).toBeGreaterThan(0);
    expect(summary.summary).toContain('invoice');
    expect(summary.actionItems).toEqual(
      expect.arrayContaining([
        // Asked by the caller, promised by the owner: the owner's tasks both, due at noon that day.
        { title: 'Send the payment', owner: 'me', dueDate: '2026-12-04T12:00:00.000Z' },
        { title: 'Send the payment', owner: 'me', dueDate: '2026-12-01T12:00:00.000Z' },
      ]),
    );
    const sentiment = await language.sentiment({ turns });
    expect(Object.keys(sentiment.perSpeaker).sort()).toEqual(['caller', 'owner']);
    expect(sentiment.model).toBe(summary.model);
  });

  it('keeps the event loop free while a very long transcript is summarised', async () => {
    const sentences = Array.from(
      { length: 1600 },
      (_, i) => `Sentence number ${i} talks about project ${i % 37} and the budget for quarter ${i % 4}.`,
    );
    const transcript = sentences.join(' ');
    let settled = false;
    const pending = language
      .summarize({ transcript, turns: [{ speaker: 'caller', text: transcript }], occurredAt })
      .finally(() => (settled = true));
    // On the caller's thread the whole ranking would run before this callback; here it runs meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    const result = await pending;
    // Who called and the one sentence that matters: at most three sentences, never the transcript.
    expect(result.summary.split(/(?<=\.)\s/).length).toBeLessThanOrEqual(3);
    expect(result.summary).toMatch(/^Someone called\. Sentence number \d+ talks about project/);
  });

  it('fails the call in flight when its thread dies, and starts a new thread for the next call', async () => {
    await language.sentiment({ turns });
    const first = language.threadId();
    const inFlight = language.summarize({ transcript: 'x. '.repeat(20_000), turns: [], occurredAt });
    const refused = expect(inFlight).rejects.toThrow(/local language engine (stopped|exited)/);
    await new Promise((resolve) => setImmediate(resolve));
    await language.close();
    await refused;
    const again = await language.sentiment({ turns });
    expect(again.label).toMatch(/positive|neutral|negative/);
    expect(language.threadId()).not.toBe(first);
  });
});
