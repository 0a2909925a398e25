/**
 * Word error rate: word-level Levenshtein distance over the reference length, after lower-casing,
 * removing punctuation and writing numbers as words on both sides ("9" and "nine", "$2,000" and
 * "two thousand dollars", "4th", "fourth" and "4" count as the same; digit groups such as phone
 * numbers and zip codes are read digit by digit; "6.15" is "six fifteen").
 */

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINAL: Record<string, string> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};

/** An integer below a million in words ("two thousand three hundred five"). */
export function numberWords(n: number): string[] {
  if (n < 20) return [ONES[n]!];
  if (n < 100) return [TENS[Math.floor(n / 10)]!, ...(n % 10 ? [ONES[n % 10]!] : [])];
  if (n < 1000) return [ONES[Math.floor(n / 100)]!, 'hundred', ...(n % 100 ? numberWords(n % 100) : [])];
  if (n < 1_000_000)
    return [...numberWords(Math.floor(n / 1000)), 'thousand', ...(n % 1000 ? numberWords(n % 1000) : [])];
  return String(n)
    .split('')
    .map((d) => ONES[Number(d)]!);
}

const ordinalOf = (word: string) => ORDINAL[word] ?? (word.endsWith('y') ? `${word.slice(0, -1)}ieth` : `${word}th`);
/** "fourth" -> "four", "twentieth" -> "twenty": dates are said both ways. */
const CARDINAL_OF_ORDINAL = new Map(
  [...ONES.slice(1), ...TENS.slice(2), 'hundred', 'thousand'].map((w) => [ordinalOf(w), w]),
);

const digits = (s: string) => s.split('').map((d) => ONES[Number(d)]!);

/** Lower-case words, punctuation removed, numbers spelled out. */
export function normaliseWords(text: string): string[] {
  const out: string[] = [];
  const tokens = text
    .toLowerCase()
    .replace(/o'clock/g, 'oclock')
    .replace(/(\d),(\d{3})/g, '$1$2')
    .replace(/[^a-z0-9$%.'\- ]+/g, ' ')
    .replace(/(^|\s)-+|-+(\s|$)/g, ' ')
    .split(/\s+/);
  for (let raw of tokens) {
    raw = raw.replace(/^[.']+|[.']+$/g, '');
    if (!raw) continue;
    const money = /^\$(\d+)(?:\.(\d\d))?$/.exec(raw);
    const ordinal = /^(\d+)(st|nd|rd|th)$/.exec(raw);
    const time = /^(\d{1,2})[:.](\d\d)$/.exec(raw);
    if (money)
      out.push(
        ...numberWords(Number(money[1])),
        'dollars',
        ...(money[2] && money[2] !== '00' ? numberWords(Number(money[2])) : []),
      );
    else if (ordinal) out.push(...numberWords(Number(ordinal[1])));
    else if (time) out.push(...numberWords(Number(time[1])), ...(time[2] === '00' ? [] : numberWords(Number(time[2]))));
    else if (/^\d+%$/.test(raw)) out.push(...numberWords(Number(raw.slice(0, -1))), 'percent');
    else if (/^\d+(-\d+)+$/.test(raw)) out.push(...raw.split('-').flatMap(digits));
    else if (/^\d{5,}$/.test(raw)) out.push(...digits(raw));
    else if (/^\d+$/.test(raw)) out.push(...numberWords(Number(raw)));
    else {
      for (const word of raw.replace(/[.$%]/g, '').split('-')) out.push(CARDINAL_OF_ORDINAL.get(word) ?? word);
    }
  }
  return out.filter(Boolean);
}

/** Edit distance between two word lists. */
export function editDistance(a: string[], b: string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Errors and reference words, so a set's WER is the sum of errors over the sum of words. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const ref = normaliseWords(reference);
  return { errors: editDistance(ref, normaliseWords(hypothesis)), words: ref.length };
}

export function wer(reference: string, hypothesis: string): number {
  const { errors, words } = wordErrors(reference, hypothesis);
  return words === 0 ? 0 : errors / words;
}
