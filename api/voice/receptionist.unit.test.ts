import { describe, expect, it } from 'vitest';
import { createReceptionist, type ReceptionistSetup } from './receptionist.js';
import { parseWhen } from '../../platform/when.js';

const TZ = 'America/Chicago';
// Thursday 3 December 2026, 10:00 in Chicago
const NOW = new Date('2026-12-03T16:00:00Z');
const setup = (o: Partial<ReceptionistSetup> = {}): ReceptionistSetup => ({
  ownerName: 'Marco',
  timeZone: TZ,
  now: () => NOW,
  caller: {},
  busy: [],
  canTransfer: false,
  ...o,
});

describe('callback times', () => {
  it.each([
    ['tomorrow at nine', '2026-12-04T15:00:00.000Z', 'tomorrow at 9 AM'],
    ['Tomorrow at 9.', '2026-12-04T15:00:00.000Z', 'tomorrow at 9 AM'],
    ['at 3:30 pm', '2026-12-03T21:30:00.000Z', 'today at 3:30 PM'],
    ['Monday morning', '2026-12-07T15:00:00.000Z', 'Monday at 9 AM'],
    ['this afternoon', '2026-12-03T20:00:00.000Z', 'today at 2 PM'],
    ['at 8 am', '2026-12-04T14:00:00.000Z', 'tomorrow at 8 AM'],
    ['Friday at 2', '2026-12-04T20:00:00.000Z', 'tomorrow at 2 PM'],
  ])('%s', (text, iso, spoken) => {
    const w = parseWhen(text, NOW, TZ);
    expect(w?.at.toISOString()).toBe(iso);
    expect(w?.spoken).toBe(spoken);
  });
  it('names no time', () => expect(parseWhen('about the roof estimate', NOW, TZ)).toBeUndefined());
});

describe('the receptionist', () => {
  it('takes a message from a known caller in one sentence and confirms it', () => {
    const r = createReceptionist(setup({ caller: { name: 'Dana Whitfield' } }));
    expect(r.greeting()).toMatch(/^Hello Dana, you have reached Marco\./);
    const a = r.hear('Hi, I am calling about the roof estimate. Can Marco call me back tomorrow at nine?');
    expect(a.say.join(' ')).toBe(
      'So Marco will call you back tomorrow at 9 AM about the roof estimate. Is that right?',
    );
    expect(a.end).toBeUndefined();
    const b = r.hear('Yes, that is right.');
    expect(b.end).toBe('done');
    expect(b.say.join(' ')).toBe('Thank you, Dana. Marco will call you back tomorrow at 9 AM. Goodbye!');
    expect(b.milestones).toEqual([
      { kind: 'callback_booked', at: '2026-12-04T15:00:00.000Z' },
      {
        kind: 'message_taken',
        message: {
          name: 'Dana Whitfield',
          about: 'the roof estimate',
          urgency: 'normal',
          callbackAt: '2026-12-04T15:00:00.000Z',
          callbackSpoken: 'tomorrow at 9 AM',
        },
      },
    ]);
  });

  it('asks an unknown caller slot by slot and repairs a misheard time', () => {
    const r = createReceptionist(setup());
    expect(r.greeting()).toMatch(/May I have your name\?$/);
    expect(r.hear('This is Priya Patel.').say.join(' ')).toBe('What is it about, Priya?');
    expect(r.hear('The invoice for March, it is urgent.').say.join(' ')).toBe(
      'When is a good time for Marco to call you back?',
    );
    expect(r.hear('Whenever he likes, uh, hmm.').end).toBe('done');
    expect(r.message()).toMatchObject({ name: 'Priya Patel', about: 'the invoice for March', urgency: 'urgent' });
  });

  it('takes name, subject and time from one sentence of an unknown caller, and asks for a name it lacks', () => {
    const r = createReceptionist(setup());
    expect(
      r
        .hear('Hi, this is Dana. I am calling about the roof estimate. Can you call me back tomorrow at nine?')
        .say.join(' '),
    ).toBe('So Marco will call you back tomorrow at 9 AM about the roof estimate. Is that right?');
    const s = createReceptionist(setup());
    expect(s.hear('I am calling about the roof estimate, call me back tomorrow at nine.').say.join(' ')).toBe(
      'May I have your name?',
    );
    expect(s.hear('Dana Whitfield.').say.join(' ')).toBe(
      'So Marco will call you back tomorrow at 9 AM about the roof estimate. Is that right?',
    );
  });

  it('reads back a corrected time ("Sorry, was that …?") and books it', () => {
    const r = createReceptionist(setup({ caller: { name: 'Dana Whitfield' } }));
    r.hear('It is about the gutters.');
    expect(r.hear('Tomorrow at ten.').say.join(' ')).toBe(
      'So Marco will call you back tomorrow at 10 AM about the gutters. Is that right?',
    );
    expect(r.hear('No, tomorrow at eleven.').say.join(' ')).toBe('Sorry, was that tomorrow at 11 AM?');
    const done = r.hear('Yes.');
    expect(done.milestones[0]).toEqual({ kind: 'callback_booked', at: '2026-12-04T17:00:00.000Z' });
  });

  it('books into a free slot when the owner is busy then, and answers availability from the calendar', () => {
    const busy = [{ start: new Date('2026-12-04T15:00:00Z'), end: new Date('2026-12-04T16:00:00Z') }];
    const r = createReceptionist(setup({ caller: { name: 'Dana Whitfield' }, busy }));
    expect(r.hear('Is Marco available tomorrow?').say[0]).toMatch(
      /^Marco has nothing on the calendar until tomorrow at 9 AM/,
    );
    r.hear('About the roof estimate.');
    const offer = r.hear('Tomorrow at nine.').say.join(' ');
    expect(offer).toContain('10 AM is free');
    expect(offer).toContain('So Marco will call you back tomorrow at 10 AM about the roof estimate.');
  });

  it('never promises a price, and puts a caller through only when the rules allow', () => {
    const r = createReceptionist(setup({ caller: { name: 'Dana Whitfield' } }));
    expect(r.hear('How much will the repair cost?').say[0]).toBe(
      "I can't answer that for Marco, but I'll pass the question on.",
    );
    expect(r.hear('Can you put me through?').say[0]).toMatch(/^I can't put you through right now/);
    const t = createReceptionist(setup({ caller: { name: 'Dana Whitfield' }, canTransfer: true }));
    expect(t.hear('Can you put me through?')).toMatchObject({
      end: 'transfer',
      milestones: [{ kind: 'transfer_requested' }],
    });
    // While the owner's phone rings for this call, asking to be put through is asking to hold on.
    let ringing = true;
    const w = createReceptionist(setup({ caller: { name: 'Dana Whitfield' }, ringing: () => ringing }));
    expect(w.hear('Can you put me through?')).toEqual({
      say: ["I'm trying Marco for you right now. One moment, please."],
      milestones: [],
    });
    ringing = false;
    expect(w.hear('Can you put me through?').say[0]).toMatch(/^I can't put you through right now/);
  });

  it('suggests an open task with a known caller', () => {
    const r = createReceptionist(setup({ caller: { name: 'Dana Whitfield', openTasks: ['Send the revised quote'] } }));
    expect(r.greeting()).toMatch(/Is this about send the revised quote\?$/);
    expect(r.hear('Yes it is.').say.join(' ')).toBe('When is a good time for Marco to call you back?');
  });
});
