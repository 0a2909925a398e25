/**
 * `npm run bench:language`: the quality of the offline language engine on labelled data.
 *
 * Action items: the labelled request sentences in fixtures/action-items.ts, through the engine the
 * pipeline runs (sentence split by wink-nlp); the share with every item's title, owner and due
 * day right, and each field alone. Results go to bench/results/language.json.
 */
import { writeFile } from 'node:fs/promises';
import { summarizeText } from '../activities/providers/language/local-engine.js';
import { LABELLED_SENTENCES, SAID_AT, SAID_IN } from '../fixtures/action-items.js';
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

const result = { measuredAt: new Date().toISOString(), actionItems: actionItems() };
await writeFile(new URL('./results/language.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
