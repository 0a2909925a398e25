/**
 * Names heard right: the names a call should contain (the caller's contact, the owner, recent
 * contacts) bias the engine (Whisper `hotwords`, Deepgram `keyterm`) and then repair what it still
 * misspells. A repair needs evidence: one half of a full name heard exactly beside a word that
 * sounds like the other half ("Dana Woodfield" -> "Dana Whitfield"), or a lone word close to a
 * distinctive surname. Pure.
 */

export interface ExpectedName {
  first: string;
  last: string;
}

const letters = (w: string) => w.toLowerCase().replace(/[^a-z]/g, '');

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** A rough sound key: vowels after the first letter dropped, similar consonants merged. */
function soundKey(w: string): string {
  const s = letters(w)
    .replace(/ph/g, 'f')
    .replace(/ck|q/g, 'k')
    .replace(/c(?=[eiy])/g, 's')
    .replace(/c/g, 'k')
    .replace(/z/g, 's')
    .replace(/[dt]h?/g, 't')
    .replace(/[bp]/g, 'p')
    .replace(/[gj]/g, 'k')
    .replace(/[vw]/g, 'f');
  if (!s) return s;
  return (s[0] + s.slice(1).replace(/[aeiouyhw]/g, '')).replace(/(.)\1+/g, '$1');
}

/** Whether `heard` is plausibly `name` misheard (and not the name itself). */
export function soundsLike(heard: string, name: string): boolean {
  const a = letters(heard);
  const b = letters(name);
  if (!a || !b || a === b || b.length < 3) return false;
  if (a[0] !== b[0] && soundKey(a)[0] !== soundKey(b)[0]) return false;
  const d = editDistance(a, b);
  if (d <= Math.max(1, Math.floor(b.length * 0.4))) return true;
  const ka = soundKey(a);
  const kb = soundKey(b);
  return ka.length >= 2 && editDistance(ka, kb) <= (kb.length >= 4 ? 1 : 0);
}

const WORD = /[A-Za-z][A-Za-z'’-]*/g;

/** Words that are never a misheard name, however close they sound. */
const COMMON = new Set(
  'the and that this then than with what when where will would well were want wanted about after again call called calling back could there their they them these those here have from your you yours just like know need please thanks thank sorry today tomorrow friday monday tuesday wednesday thursday saturday sunday morning evening night week hello okay right good great fine sure also said says'.split(
    ' ',
  ),
);

/** The text with misheard expected names replaced by their spelling. */
export function correctNames(text: string, names: readonly ExpectedName[]): string {
  if (!text || names.length === 0) return text;
  const words = [...text.matchAll(WORD)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
  const replace = new Map<number, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.text.replace(/['’]s$/, '');
    const next = words[i + 1]?.text.replace(/['’]s$/, '');
    for (const n of names) {
      if (!n.last) continue;
      // "Dana Woodfield": the first name exact, the surname close.
      if (next && letters(w) === letters(n.first) && soundsLike(next, n.last) && !COMMON.has(letters(next)))
        replace.set(i + 1, n.last);
      // "Donna Whitfield": the surname exact, the first name close.
      if (next && letters(next) === letters(n.last) && soundsLike(w, n.first) && !COMMON.has(letters(w)))
        replace.set(i, n.first);
    }
  }
  if (replace.size === 0) return text;
  let out = '';
  let at = 0;
  for (const [i, name] of [...replace.entries()].sort((a, b) => a[0] - b[0])) {
    const w = words[i]!;
    const possessive = /['’]s$/.exec(w.text)?.[0] ?? '';
    out += text.slice(at, w.start) + name + possessive;
    at = w.end;
  }
  return out + text.slice(at);
}

/**
 * Whisper given hint words sometimes "hears" them in trailing silence: a segment ends in a list of
 * the expected names, often garbled ("… once it is confirmed? 1 Sim Caller 1760, Sim Caller 1660,
 * Sim Sheila O'Reilly"). A segment's last sentence of three or more words that is mostly words of
 * the expected names (or numbers) is cut; "This is Dana Whitfield." is not.
 */
export function dropLeakedNames(text: string, names: readonly ExpectedName[]): string {
  const hint = new Set(names.flatMap((n) => `${n.first} ${n.last}`.toLowerCase().split(/\s+/)).filter(Boolean));
  if (hint.size === 0 || !text) return text;
  const hintLike = (w: string) => {
    const bare = w.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    return /^\d+$/.test(bare) || hint.has(bare);
  };
  let out = text.trimEnd();
  for (;;) {
    // The last sentence: after the last . ? ! that ends a word (not the text's own last one).
    const cut = Math.max(...['.', '?', '!'].map((p) => out.slice(0, -1).lastIndexOf(`${p} `)));
    const tail = out
      .slice(cut + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    const hits = tail.filter(hintLike).length;
    if (tail.length < 3 || hits / tail.length < 0.7) return out;
    out = cut < 0 ? '' : out.slice(0, cut + 1);
  }
}

/** Hint words for an engine: each name once, the most important first. */
/**
 * The words of a name that are words, as recognition hints: a hint with digits in it ("Caller333")
 * made Whisper write numbers and stock phrases ("Thank you for watching!") into a call's silences.
 */
export const nameWords = (name: string): string =>
  name
    .split(/\s+/)
    .filter((w) => /^\p{L}[\p{L}'’.-]*$/u.test(w))
    .join(' ');

export function keytermsOf(names: readonly ExpectedName[], max = 40): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const n of names) {
    const full = nameWords(`${n.first} ${n.last}`);
    if (!full || seen.has(full.toLowerCase())) continue;
    seen.add(full.toLowerCase());
    out.push(full);
    if (out.length >= max) break;
  }
  return out;
}
