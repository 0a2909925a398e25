/**
 * The offline language engine itself: wink-nlp sentiment with a small call lexicon, a TF-IDF
 * TextRank extractive summary, and rule-based action items ("I'll send…", "can you…") with dates.
 * Synchronous and CPU-bound, so it runs on its own thread (see local.ts); the functions are pure.
 */
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { extractActionItems } from './action-items.js';
import { summarizeCall } from './summary.js';
import type { CallSummary, LanguagePort, SentimentResult } from './port.js';
import { labelFor } from './port.js';

export const LOCAL_LANGUAGE_MODEL = 'wink-eng-lite-1.8+call-summary-2';
/** The extractive engine it replaced (TextRank's top three sentences), kept for the benchmark's comparison. */
export const EXTRACTIVE_MODEL = 'wink-eng-lite-1.8+textrank';

const nlp = winkNLP(model);
const its = nlp.its;

const lexicon: [RegExp, number][] = [
  [/\brefund\b/i, -0.4],
  [/\bcharged twice\b/i, -0.6],
  [/\bon hold\b/i, -0.3],
  [/\bcomplain(t)?\b/i, -0.5],
  [/\bnobody (called|got) back\b/i, -0.6],
  [/\b(cancel|cancell?ation)\b/i, -0.2],
  [/\bfrustrat\w*\b/i, -0.5],
];
const pleasantry =
  /^(hi|hello|hey|thanks?|thank you|bye|goodbye|have a (great|good|nice) (day|one)|how can i help|ok(ay)?)\b[^.?!]{0,30}[.?!]?$/i;

function sentenceScore(text: string): number {
  const doc = nlp.readDoc(text);
  let score = doc.out(its.sentiment) as number;
  for (const [re, w] of lexicon) if (re.test(text)) score += w;
  return Math.max(-1, Math.min(1, score));
}

function textRank(sentences: string[], top: number): string[] {
  const bags = sentences.map((s) => {
    const doc = nlp.readDoc(s);
    return new Set(
      (
        doc
          .tokens()
          .filter((t) => t.out(its.type) === 'word' && !t.out(its.stopWordFlag))
          .out(its.normal) as string[]
      ).map((w) => w.toLowerCase()),
    );
  });
  const df = new Map<string, number>();
  for (const b of bags) for (const w of b) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log(1 + sentences.length / (df.get(w) ?? 1));
  const n = sentences.length;
  const sim = (i: number, j: number) => {
    let s = 0;
    for (const w of bags[i]!) if (bags[j]!.has(w)) s += idf(w);
    return s / (Math.log(1 + bags[i]!.size) + Math.log(1 + bags[j]!.size) + 1e-9);
  };
  let rank = new Array<number>(n).fill(1 / Math.max(1, n));
  const weights = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : sim(i, j))));
  const outSum = weights.map((row) => row.reduce((a, b) => a + b, 0) || 1);
  for (let iter = 0; iter < 30; iter++) {
    rank = rank.map(
      (_, i) => 0.15 / n + 0.85 * weights.reduce((acc, row, j) => acc + (row[i]! / outSum[j]!) * rank[j]!, 0),
    );
  }
  return rank
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r - a.r)
    .slice(0, top)
    .sort((a, b) => a.i - b.i)
    .map(({ i }) => sentences[i]!);
}

/** The most sentences TextRank ranks (evenly sampled across the call beyond that). */
export const MAX_RANKED_SENTENCES = 300;

export type SummarizeInput = Parameters<LanguagePort['summarize']>[0];
export type SentimentInput = Parameters<LanguagePort['sentiment']>[0];

/** TextRank over at most MAX_RANKED_SENTENCES (evenly sampled beyond that), the top `n` in call order. */
function rankBounded(sentences: string[], n: number): string[] {
  // TextRank compares every pair of sentences: bounded so a very long call (or a hostile text)
  // cannot hold the engine for long (1,600 sentences took 1.2 s; 300 take about 40 ms).
  const ranked =
    sentences.length > MAX_RANKED_SENTENCES
      ? sentences.filter((_, i) => i % Math.ceil(sentences.length / MAX_RANKED_SENTENCES) === 0)
      : sentences;
  return ranked.length ? textRank(ranked, n) : [];
}

const sentencesOf = (text: string) => nlp.readDoc(text).sentences().out() as string[];

/** The extractive summary this engine used to write (TextRank's top three sentences), for comparison. */
export function extractiveSummary(transcript: string): string {
  const sentences = sentencesOf(transcript).filter((s) => !pleasantry.test(s.trim()));
  return sentences.length === 0 ? 'No speech was recognised in this call.' : rankBounded(sentences, 3).join(' ');
}

export function summarizeText(input: SummarizeInput): CallSummary {
  const doc = nlp.readDoc(input.transcript);
  const topics = [
    ...new Set(
      (
        doc
          .tokens()
          .filter((t) => t.out(its.pos) === 'NOUN' && !t.out(its.stopWordFlag))
          .out(its.normal) as string[]
      ).map((w) => w.toLowerCase()),
    ),
  ].slice(0, 5);
  const actionItems = extractActionItems(input, sentencesOf);
  const summary = summarizeCall(
    { turns: input.turns, callerName: input.callerName, actionItems },
    sentencesOf,
    (sentences) => rankBounded(sentences, 1),
  );
  return { summary, actionItems, topics, model: LOCAL_LANGUAGE_MODEL };
}

export function sentimentOf({ turns }: SentimentInput): SentimentResult {
  const perSpeaker: SentimentResult['perSpeaker'] = {};
  const bySpeaker = new Map<string, number[]>();
  for (const t of turns) {
    const list = bySpeaker.get(t.speaker) ?? [];
    list.push(sentenceScore(t.text));
    bySpeaker.set(t.speaker, list);
  }
  const all: number[] = [];
  for (const [speaker, scores] of bySpeaker) {
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    perSpeaker[speaker] = { label: labelFor(mean), score: Number(mean.toFixed(3)) };
    all.push(...scores);
  }
  const score = all.length ? all.reduce((a, b) => a + b, 0) / all.length : 0;
  return { label: labelFor(score), score: Number(score.toFixed(3)), perSpeaker, model: LOCAL_LANGUAGE_MODEL };
}
