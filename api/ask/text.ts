/**
 * The words of a question against the words of a call: sentences with their time in the
 * recording, content terms (stop words and question words out, light stemming, a few everyday
 * synonyms), and how much of a question a sentence covers. Pure.
 */

const STOP = new Set(
  `a an the and or but if of to in on at by for with from as is are was were be been being it its this that these those
  i me my mine we us our you your he him his she her they them their there here what which who whom whose when where why
  how did do does done doing have has had having can could would should will shall may might must about any anyone someone
  anything something say said says tell told talk talked speak spoke call called calling calls phone mention mentioned
  know think get got want wanted need needed last ever just also so not no yes ok okay please thanks hi hello hey all
  some more most very really much many one`.split(/\s+/),
);

/** Words that mean the same thing to a caller (each maps to one canonical term). */
const SYNONYMS: Record<string, string> = {
  mother: 'mom',
  mum: 'mom',
  mommy: 'mom',
  father: 'dad',
  estimate: 'quote',
  quotation: 'quote',
  bday: 'birthday',
  dr: 'doctor',
  physician: 'doctor',
  dental: 'dentist',
  loan: 'mortgage',
  money: 'payment',
  pay: 'payment',
  paid: 'payment',
  bill: 'invoice',
  invoices: 'invoice',
  appt: 'appointment',
  vehicle: 'car',
  house: 'home',
  supper: 'dinner',
};

/** A light stemmer: enough to match "quotes"/"quote", "called"/"call", "dinners"/"dinner". */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/['’]s$/, '');
  if (SYNONYMS[w]) return SYNONYMS[w]!;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ied')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('es') && /(?:ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  return SYNONYMS[w] ?? w;
}

/** Content terms of a text, stemmed, once each. */
export function termsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(/[a-z0-9][a-z0-9'’-]*/g)) {
    const w = m[0].replace(/['’]s$/, '');
    if (STOP.has(w) || w.length < 2) continue;
    out.add(stem(w));
  }
  return out;
}

/** A term's weight: longer words say more ("mortgage" over "day"), numbers a lot. */
const weight = (term: string) => (/^\d+$/.test(term) ? 1.5 : Math.min(2, 0.4 + term.length / 5));

/** The share of the question's weighted terms the sentence contains (0..1), and which. */
export function coverage(question: Set<string>, sentence: Set<string>): { share: number; matched: string[] } {
  let total = 0;
  let hit = 0;
  const matched: string[] = [];
  for (const t of question) {
    total += weight(t);
    if (sentence.has(t)) {
      hit += weight(t);
      matched.push(t);
    }
  }
  return { share: total === 0 ? 0 : hit / total, matched };
}

export interface Sentence {
  text: string;
  speaker: string;
  startMs: number | null;
}

/**
 * Sentences of timed segments. A sentence starts at its first word's time when the engine gave
 * word times (and they line up with the text's words), else at its segment's time moved along by
 * its place in the segment.
 */
export function sentencesOf(
  segments: {
    speaker: string;
    text: string;
    startMs: number | null;
    endMs?: number | null;
    words?: { startMs: number }[] | null;
  }[],
): Sentence[] {
  const out: Sentence[] = [];
  for (const seg of segments) {
    const text = seg.text.trim();
    if (!text) continue;
    // Sentences end at . ? ! before a space: "$2.50" and "Mr.Smith" stay whole.
    const parts = text.split(/(?<=[.?!])\s+/);
    const tokens = text.split(/\s+/).filter(Boolean).length;
    const aligned = seg.words && seg.words.length === tokens;
    const span = seg.startMs !== null && seg.endMs != null ? seg.endMs - seg.startMs : 0;
    let offset = 0;
    for (const part of parts) {
      const at = text.indexOf(part, offset);
      offset = at + part.length;
      const s = part.trim();
      if (!/\w/.test(s)) continue;
      // Split at spaces, so the words before a sentence are whole words.
      const wordsBefore = Math.min(tokens - 1, text.slice(0, at).split(/\s+/).filter(Boolean).length);
      out.push({
        text: s,
        speaker: seg.speaker,
        startMs: aligned
          ? seg.words![wordsBefore]!.startMs
          : seg.startMs === null
            ? null
            : Math.round(seg.startMs + (span * at) / text.length),
      });
    }
  }
  return out;
}
