import { describe, expect, it } from 'vitest';
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { LABELLED_SENTENCES, SAID_AT, SAID_IN } from '../../../fixtures/action-items.js';
import { extractActionItems, introducedName, thirdPerson } from './action-items.js';

const nlp = winkNLP(model);
const sentences = (text: string) => nlp.readDoc(text).sentences().out() as string[];
const dayIn = (iso: string | undefined) =>
  iso ? new Intl.DateTimeFormat('en-CA', { timeZone: SAID_IN }).format(new Date(iso)) : null;

function itemsOf(s: (typeof LABELLED_SENTENCES)[number]) {
  return extractActionItems(
    { turns: [{ speaker: s.speaker, text: s.text }], occurredAt: SAID_AT, callerName: s.callerName, timeZone: SAID_IN },
    sentences,
  ).map((i) => ({ title: i.title, owner: i.owner, due: dayIn(i.dueDate) }));
}

describe('offline action items', () => {
  it("turns a caller's request into the owner's task naming the caller, due that Friday", () => {
    const [item, ...rest] = extractActionItems(
      {
        turns: [{ speaker: 'caller', text: 'Hi, this is Dana. Can you send me the revised quote by Friday? Thanks.' }],
        occurredAt: SAID_AT,
        callerName: 'Dana Whitfield',
        timeZone: SAID_IN,
      },
      sentences,
    );
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ title: 'Send Dana Whitfield the revised quote', owner: 'me' });
    expect(dayIn(item!.dueDate)).toBe('2026-12-04');
    // Noon in New York: the same day in every zone's calendar date, UTC included.
    expect(item!.dueDate).toBe('2026-12-04T17:00:00.000Z');
  });

  it("keeps the caller's own promise as waited on, not the owner's task", () => {
    const items = itemsOf({
      speaker: 'caller',
      callerName: 'Dana Whitfield',
      text: "I'll email you photos of the gutters tonight.",
      expect: [],
    });
    expect(items).toEqual([
      { title: 'Dana emails you photos of the gutters tonight', owner: 'them', due: '2026-12-01' },
    ]);
  });

  it('gets title, owner and due day right for at least 90% of the labelled sentences', () => {
    let right = 0;
    const wrong: string[] = [];
    for (const s of LABELLED_SENTENCES) {
      const got = itemsOf(s);
      if (JSON.stringify(got) === JSON.stringify(s.expect)) right++;
      else wrong.push(`${s.text} -> ${JSON.stringify(got)}`);
    }
    expect(LABELLED_SENTENCES.length).toBeGreaterThanOrEqual(40);
    expect(right / LABELLED_SENTENCES.length, wrong.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  it('reads names callers give and conjugates for the third person', () => {
    expect(introducedName('Hi, this is Carla Mendes from the school.')).toBe('Carla Mendes');
    expect(introducedName("Hi, it's Monday and I'm calling about the car")).toBeUndefined();
    expect(['send', 'fix', 'try', 'have', 'pay'].map(thirdPerson)).toEqual(['sends', 'fixes', 'tries', 'has', 'pays']);
  });
});
