import { describe, expect, it } from 'vitest';
import { correctNames, dropLeakedNames, keytermsOf, soundsLike } from './names.js';

const dana = { first: 'Dana', last: 'Whitfield' };
const priya = { first: 'Priya', last: 'Raman' };

describe('names heard right', () => {
  it('repairs a misheard surname beside the exact first name', () => {
    expect(correctNames('Hi, this is Dana Woodfield calling about the roof.', [dana])).toBe(
      'Hi, this is Dana Whitfield calling about the roof.',
    );
    expect(correctNames("It's Dana Witfield's quote.", [dana])).toBe("It's Dana Whitfield's quote.");
  });

  it('repairs a misheard first name beside the exact surname', () => {
    expect(correctNames('this is Donna Whitfield again', [dana, priya])).toBe('this is Dana Whitfield again');
    expect(correctNames('Pria Raman here', [dana, priya])).toBe('Priya Raman here');
  });

  it('leaves words alone without the other half of the name as evidence', () => {
    const text = 'Dana said the field by the woods is wet. Woodfield Road is closed.';
    expect(correctNames(text, [dana])).toBe(text);
    expect(correctNames('Dana will call you tomorrow', [dana])).toBe('Dana will call you tomorrow');
    expect(correctNames('Dana Whitfield', [dana])).toBe('Dana Whitfield');
  });

  it('judges sound-alikes by spelling and sound, not by any two words', () => {
    expect(soundsLike('Woodfield', 'Whitfield')).toBe(true);
    expect(soundsLike('Ramen', 'Raman')).toBe(true);
    expect(soundsLike('Johnson', 'Whitfield')).toBe(false);
    expect(soundsLike('Whitfield', 'Whitfield')).toBe(false);
  });

  it('gives each name once as hint words, the most important first', () => {
    expect(keytermsOf([dana, { first: 'Marco', last: '' }, dana, priya])).toEqual([
      'Dana Whitfield',
      'Marco',
      'Priya Raman',
    ]);
  });

  it('gives only the words of a name as hints: never digits (Whisper then wrote numbers into the silences)', () => {
    expect(
      keytermsOf([
        { first: 'Ada', last: 'Caller333' },
        { first: 'Sim', last: 'Caller 8265' },
        { first: 'Sheila', last: "O'Reilly" },
        { first: '4G', last: 'LTE' },
        { first: 'Zoë', last: 'Saint-Just' },
      ]),
    ).toEqual(['Ada', 'Sim Caller', "Sheila O'Reilly", 'LTE', 'Zoë Saint-Just']);
  });

  it('cuts the hint words Whisper "hears" in trailing silence, and nothing a caller said', () => {
    const names = [dana, priya, { first: 'Sim', last: 'Caller 1660' }, { first: 'Sheila', last: "O'Reilly" }];
    expect(
      dropLeakedNames(
        "Thank you, can you call me back once it is confirmed? 1 Sim Caller 1760, Sim Caller 1660, Sim Sheila O'Reilly",
        names,
      ),
    ).toBe('Thank you, can you call me back once it is confirmed?');
    expect(dropLeakedNames('Bye. Dana Whitfield, Priya Raman.', names)).toBe('Bye.');
    expect(dropLeakedNames('Dana Whitfield, Priya Raman', names)).toBe('');
    for (const kept of [
      'Hi, this is Dana Whitfield.',
      'Thanks. Dana Whitfield.',
      'Call Priya Raman and Dana Whitfield about the roof.',
    ])
      expect(dropLeakedNames(kept, names)).toBe(kept);
  });
});
