/**
 * `npm run bench:language`: the quality of the offline language engine on labelled data.
 *
 * Action items: the labelled request sentences in fixtures/action-items.ts, through the engine the
 * pipeline runs (sentence split by wink-nlp); the share with every item's title, owner and due
 * day right, and each field alone.
 *
 * Summaries: the benchmark calls (fixtures/speech.ts dialogues and the holdout calls) against
 * reference summaries written by hand (fixtures/summary-references.ts): ROUGE-1 and ROUGE-L F1 of
 * the offline summary beside the extractive engine it replaced (TextRank's top three sentences),
 * with their lengths in sentences; and the Claude adapter against the fake Messages API (the fake
 * answers with the offline engine, so that row checks the adapter's prompt and parsing end to end,
 * not Claude). Results go to bench/results/language.json.
 */
import { writeFile } from 'node:fs/promises';
import { startFakeAnthropic } from '../activities/providers/fakes/vendors.js';
import { createAnthropicLanguage } from '../activities/providers/language/anthropic.js';
import { extractiveSummary, summarizeText } from '../activities/providers/language/local-engine.js';
import { LABELLED_SENTENCES, SAID_AT, SAID_IN } from '../fixtures/action-items.js';
import { HOLDOUT_CALLS } from '../fixtures/holdout-calls.js';
import { DIALOGUES } from '../fixtures/speech.js';
import { DIALOGUE_REFERENCES, HOLDOUT_REFERENCES } from '../fixtures/summary-references.js';
import { say } from './lib.js';

const dayIn = (iso: string | undefined) =>
  iso ? new Intl.DateTimeFormat('en-CA', { timeZone: SAID_IN }).format(new Date(iso)) : null;

function actionItems() {
  const right = { all: 0, title: 0, owner: 0, due: 0 };
  const misses: string[] = [];
  for (const s of LABELLED_SENTENCES) {
    const got = summarizeText({
      transcript: s.text,
      turns: [{ speaker: s.speaker, text: s.text }],
      occurredAt: SAID_AT,
      callerName: s.callerName,
      timeZone: SAID_IN,
    }).actionItems.map((i) => ({ title: i.title, owner: i.owner, due: dayIn(i.dueDate) }));
    const same = (f: (i: { title: string; owner?: string; due: string | null }) => unknown) =>
      JSON.stringify(got.map(f)) === JSON.stringify(s.expect.map(f));
    if (same((i) => i)) right.all++;
    else misses.push(`  "${s.text}"\n    expected ${JSON.stringify(s.expect)}\n    got      ${JSON.stringify(got)}`);
    if (same((i) => i.title)) right.title++;
    if (same((i) => i.owner)) right.owner++;
    if (same((i) => i.due)) right.due++;
  }
  const n = LABELLED_SENTENCES.length;
  const share = (k: keyof typeof right) => Math.round((right[k] / n) * 1000) / 10;
  say(`action items: ${n} labelled sentences`);
  say(`  all right ${share('all')}%  title ${share('title')}%  owner ${share('owner')}%  due day ${share('due')}%`);
  if (misses.length) say(`  misses:\n${misses.join('\n')}`);
  return {
    sentences: n,
    allRightPct: share('all'),
    titlePct: share('title'),
    ownerPct: share('owner'),
    duePct: share('due'),
  };
}

const tokens = (s: string) => s.toLowerCase().match(/[a-z0-9']+/g) ?? [];

/** ROUGE-1 F1: unigram overlap (clipped counts). */
function rouge1(candidate: string, reference: string): number {
  const c = tokens(candidate);
  const r = tokens(reference);
  const counts = new Map<string, number>();
  for (const w of r) counts.set(w, (counts.get(w) ?? 0) + 1);
  let overlap = 0;
  for (const w of c) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      overlap++;
      counts.set(w, n - 1);
    }
  }
  if (!overlap) return 0;
  const p = overlap / c.length;
  const rec = overlap / r.length;
  return (2 * p * rec) / (p + rec);
}

/** ROUGE-L F1: longest common subsequence of tokens. */
function rougeL(candidate: string, reference: string): number {
  const c = tokens(candidate);
  const r = tokens(reference);
  const row = new Array<number>(r.length + 1).fill(0);
  for (let i = 1; i <= c.length; i++) {
    let diag = 0;
    for (let j = 1; j <= r.length; j++) {
      const up = row[j]!;
      row[j] = c[i - 1] === r[j - 1] ? diag + 1 : Math.max(row[j]!, row[j - 1]!);
      diag = up;
    }
  }
  const lcs = row[r.length]!;
  if (!lcs) return 0;
  const p = lcs / c.length;
  const rec = lcs / r.length;
  return (2 * p * rec) / (p + rec);
}

async function summaries() {
  const calls = [
    ...DIALOGUES.map((lines, i) => ({
      lines,
      callerName: undefined as string | undefined,
      reference: DIALOGUE_REFERENCES[i]!,
    })),
    ...HOLDOUT_CALLS.map((h) => ({
      lines: h.lines,
      callerName: `${h.contact.firstName} ${h.contact.lastName}`,
      reference: HOLDOUT_REFERENCES[h.key],
    })),
  ];
  const engines = {
    offline: { r1: 0, rl: 0, sentences: 0, words: 0 },
    extractive: { r1: 0, rl: 0, sentences: 0, words: 0 },
    claudeAdapterOnFake: { r1: 0, rl: 0, sentences: 0, words: 0 },
  };
  const fake = await startFakeAnthropic();
  const claude = createAnthropicLanguage({ apiKey: 'bench', baseUrl: fake.url, model: 'claude-sonnet-4-6' });
  for (const call of calls) {
    const turns = call.lines.map((l) => ({ speaker: l.party, text: l.text }));
    const transcript = turns.map((t) => t.text).join(' ');
    const outputs = {
      offline: summarizeText({ transcript, turns, occurredAt: SAID_AT, callerName: call.callerName, timeZone: SAID_IN })
        .summary,
      extractive: extractiveSummary(transcript),
      claudeAdapterOnFake: (
        await claude.summarize({
          transcript,
          turns,
          occurredAt: SAID_AT,
          callerName: call.callerName,
          timeZone: SAID_IN,
        })
      ).summary,
    };
    for (const [name, text] of Object.entries(outputs) as [keyof typeof engines, string][]) {
      engines[name].r1 += rouge1(text, call.reference);
      engines[name].rl += rougeL(text, call.reference);
      engines[name].sentences += (text.match(/[.?!](\s|$)/g) ?? []).length;
      engines[name].words += tokens(text).length;
    }
  }
  const n = calls.length;
  const view = (e: (typeof engines)['offline']) => ({
    rouge1F1: Math.round((e.r1 / n) * 1000) / 1000,
    rougeLF1: Math.round((e.rl / n) * 1000) / 1000,
    meanSentences: Math.round((e.sentences / n) * 10) / 10,
    meanWords: Math.round((e.words / n) * 10) / 10,
  });
  await fake.close();
  const out = {
    calls: n,
    offline: view(engines.offline),
    extractive: view(engines.extractive),
    claudeAdapterOnFake: view(engines.claudeAdapterOnFake),
  };
  say(`summaries: ${n} calls against hand-written references`);
  for (const name of ['offline', 'extractive', 'claudeAdapterOnFake'] as const)
    say(
      `  ${name.padEnd(20)} ROUGE-1 F1 ${out[name].rouge1F1}  ROUGE-L F1 ${out[name].rougeLF1}  ${out[name].meanSentences} sentences, ${out[name].meanWords} words`,
    );
  return out;
}

const result = { measuredAt: new Date().toISOString(), actionItems: actionItems(), summaries: await summaries() };
await writeFile(new URL('./results/language.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
