/**
 * Ask your calls: structured questions go to queries (facts.ts); the rest to hybrid retrieval over
 * passages and messages, then to the sentences of the calls found. Offline the answer is those
 * sentences themselves, attributed and dated; with a writer (Claude) the answer is written from
 * the same sentences and must cite them. Nothing relevant found: the answer says so and cites
 * nothing.
 */
import type { Database } from '../../db/client.js';
import { contactsNamedIn, sourceTexts, type SourceText } from '../../db/queries/ask.js';
import { fulltextSearch, fuseRankings, semanticSearch, type SearchHit } from '../../db/queries/search.js';
import type { CountryCode } from 'libphonenumber-js';
import { formatPhone } from '../../platform/phone.js';
import { shortDay } from '../../platform/when.js';
import type { QueryEmbedder } from '../routes/deps.js';
import { answerFromFacts } from './facts.js';
import { coverage, sentencesOf, termsOf } from './text.js';
import type { Answer, AnswerWriter, Citation, NumberedPassage } from './types.js';

/** A sentence must hold at least this share of the question's weighted terms to be cited. */
export const MIN_COVERAGE = 0.5;
/** Calls and messages whose sentences are read, from the top of the fused ranking. */
const SOURCES = 8;
const NOTHING = "I couldn't find anything about that in your calls or messages.";

export interface AskerDeps {
  db: Database;
  embedder: QueryEmbedder;
  timeZone: string;
  /** Numbers of callers who are not contacts read in this region's format. */
  region: CountryCode;
  writer?: AnswerWriter;
}

interface Scored {
  source: SourceText;
  sourceRank: number;
  text: string;
  startMs: number | null;
  share: number;
}

const quoteOf = (s: string) => (s.length > 280 ? `${s.slice(0, 277)}…` : s);

export function createAsker(deps: AskerDeps) {
  const { db, embedder, timeZone } = deps;

  async function retrieve(question: string, words: string[], contactId: string | undefined): Promise<SearchHit[]> {
    const filter = contactId ? { contactId } : {};
    const [sem, text] = await Promise.all([
      embedder
        .embed(question)
        .then((v) => semanticSearch(db, v, embedder.model, filter, SOURCES))
        .catch(() => [] as SearchHit[]),
      // Any of the question's words (web-search "or"), ranked by how many and how close.
      words.length ? fulltextSearch(db, words.join(' or '), filter, SOURCES) : Promise.resolve([] as SearchHit[]),
    ]);
    return fuseRankings(
      [
        { name: 'semantic', hits: sem },
        { name: 'fulltext', hits: text },
      ],
      SOURCES,
    );
  }

  function bestSentences(question: Set<string>, sources: SourceText[]): Scored[] {
    const scored: Scored[] = [];
    sources.forEach((source, sourceRank) => {
      for (const s of sentencesOf(source.segments)) {
        const { share } = coverage(question, termsOf(s.text));
        if (share >= MIN_COVERAGE) scored.push({ source, sourceRank, text: s.text, startMs: s.startMs, share });
      }
    });
    scored.sort((a, b) => b.share - a.share || a.sourceRank - b.sourceRank || a.text.length - b.text.length);
    // One sentence per call or message, at most three, each nearly as good as the best.
    const out: Scored[] = [];
    const seen = new Set<string>();
    for (const s of scored) {
      if (out.length >= 3 || s.share < scored[0]!.share * 0.75) break;
      if (seen.has(s.source.id)) continue;
      seen.add(s.source.id);
      out.push(s);
    }
    return out;
  }

  const numberOf = (s: SourceText) => formatPhone(s.phoneNumber, deps.region);
  const whoOf = (s: SourceText) => (s.contactName ? s.contactName.split(/\s+/)[0]! : numberOf(s));
  const citationOf = (s: Scored): Citation => ({
    ...(s.source.type === 'call' ? { phoneRecordId: s.source.id } : { messageId: s.source.id }),
    quote: quoteOf(s.text),
    ...(s.startMs !== null ? { startMs: s.startMs } : {}),
  });

  function offline(best: Scored[], degraded?: string): Answer {
    return {
      answer: best
        .map((s) => `${whoOf(s.source)}, ${shortDay(s.source.at, timeZone)}: "${quoteOf(s.text)}"`)
        .join('\n'),
      citations: best.map(citationOf),
      mode: 'passages',
      ...(degraded ? { degraded } : {}),
    };
  }

  async function written(question: string, best: Scored[], now: Date): Promise<Answer> {
    const writer = deps.writer!;
    const passages: NumberedPassage[] = best.map((s, i) => ({
      n: i + 1,
      who: s.source.contactName ?? numberOf(s.source),
      when: shortDay(s.source.at, timeZone),
      text: s.text,
    }));
    try {
      const out = await writer.write({ question, today: shortDay(now, timeZone), passages });
      const cited = [...new Set(out.cited)].filter((n) => n >= 1 && n <= best.length);
      // An answer that cites nothing it was given is not an answer from the calls.
      if (cited.length === 0 || !out.answer.trim())
        return offline(best, 'the writer cited none of the passages; these are the passages themselves');
      return { answer: out.answer.trim(), citations: cited.map((n) => citationOf(best[n - 1]!)), mode: 'claude' };
    } catch (err) {
      const why = String((err as Error)?.message ?? err)
        .split('\n')[0]!
        .slice(0, 160);
      return offline(best, `the answer writer failed (${why}); these are the passages themselves`);
    }
  }

  return {
    async ask(question: string, now = new Date()): Promise<Answer> {
      const facts = await answerFromFacts(db, question, now, timeZone, deps.region);
      if (facts) return facts;
      const [person] = await contactsNamedIn(db, question);
      // A named contact narrows the search to them; their name is not a word to look for.
      const nameTerms = person ? termsOf(`${person.firstName} ${person.lastName}`) : new Set<string>();
      const terms = new Set([...termsOf(question)].filter((t) => !nameTerms.has(t)));
      const hits = await retrieve(question, [...terms], person?.id);
      const sources = await sourceTexts(db, hits);
      const best = terms.size === 0 ? [] : bestSentences(terms, sources);
      if (best.length === 0) return { answer: NOTHING, citations: [], mode: 'none' };
      return deps.writer ? written(question, best, now) : offline(best);
    },
  };
}

export type Asker = ReturnType<typeof createAsker>;
