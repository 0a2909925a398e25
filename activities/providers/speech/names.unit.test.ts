import { describe, expect, it } from 'vitest';
import { correctNames, keytermsOf, soundsLike } from './names.js';

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
});
