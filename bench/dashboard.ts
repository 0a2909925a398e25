/**
 * `npm run bench:dashboard`: the dashboard in Chromium against the embedded stack (PGlite, dev
 * server) holding 10,000 generated calls, plus one call with a 30-minute transcript. Measures, over
 * several cold page loads each: the overview from navigation to its figures and lists on screen, and
 * that call's page to every transcript turn on screen; and the p95 of the API requests each page
 * makes. Baseline in the same run: the same API requests fetched bare from Node (the floor a page
 * cannot beat). Writes bench/results/dashboard.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { chromium, type Page } from 'playwright-core';
import { phoneRecords } from '../db/schema/index.js';
import { buildDashboard } from '../deploy/build-dashboard.js';
import { startEmbeddedStack } from './embedded-stack.js';
import { generate } from './generate.js';
import { arg, fmt, percentile, say } from './lib.js';

const runs = arg('runs', 7);
const calls = arg('calls', 10_000);
await buildDashboard(say);
const stack = await startEmbeddedStack();
const db = stack.database.db;
await generate(db, { contacts: 2_000, calls, passages: 2_000, messages: 2_000, tasks: 500 }, 'use-lite-512');

// One 30-minute call: 450 turns of about 4 s, alternating speakers.
const turns = Array.from({ length: 450 }, (_, i) => ({
  speaker: i % 2 ? 'owner' : 'caller',
  text: `Turn ${i}: we went over the kitchen remodel, the invoice for the cabinets and when the plumber can come back next week.`,
  startMs: i * 4000,
  endMs: i * 4000 + 3800,
}));
const [long] = await db
  .insert(phoneRecords)
  .values({
    callSessionId: `bench-long-${Date.now()}`,
    phoneNumber: '+12125550100',
    direction: 'inbound',
    status: 'completed',
    startedAt: new Date(),
    durationSeconds: 1800,
    transcript: turns.map((t) => t.text).join(' '),
    speakerSegments: turns,
    summary: 'A long call about the kitchen remodel.',
  })
  .returning();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const signin = await context.newPage();
await signin.goto(`${stack.url}/signin`);
await signin.fill('#token', 'bench');
await signin.click('button[type=submit]');
await signin.waitForSelector('[data-testid=stats]');
await signin.close();

/** Cold loads of `path` (new page, no HTTP cache) until `ready` holds; the page's API timings. */
async function pageLoads(path: string, ready: (p: Page) => Promise<unknown>) {
  const loads: number[] = [];
  const api: number[] = [];
  const urls = new Set<string>();
  for (let i = 0; i < runs + 1; i++) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const started = new Map<string, number>();
    page.on('request', (r) => r.url().includes('/api/') && started.set(r.url() + r.method(), performance.now()));
    page.on('requestfinished', (r) => {
      const t = started.get(r.url() + r.method());
      if (t !== undefined && i > 0) {
        api.push(performance.now() - t);
        urls.add(new URL(r.url()).pathname + new URL(r.url()).search);
      }
    });
    const t0 = performance.now();
    await page.goto(`${stack.url}${path}`);
    await ready(page);
    if (i > 0) loads.push(performance.now() - t0); // the first load warms the server
    await page.close();
  }
  loads.sort((a, b) => a - b);
  api.sort((a, b) => a - b);
  return {
    runs,
    p50: percentile(loads, 50),
    max: loads[loads.length - 1]!,
    apiRequests: urls.size,
    apiP95: percentile(api, 95),
    urls: [...urls],
  };
}

/** The same requests, bare from Node: the floor. */
async function floor(urls: string[]) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const u of urls) {
      const t = performance.now();
      await (await fetch(`${stack.url}${u}`, { headers: { authorization: 'Bearer bench' } })).arrayBuffer();
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  return { p95: percentile(times, 95) };
}

const overview = await pageLoads('/', async (p) => {
  await p.waitForSelector('[data-testid=stats] .stat');
  await p.waitForSelector('text=Recent calls');
  await p.locator('.card', { hasText: 'Recent calls' }).locator('li').first().waitFor();
});
const overviewFloor = await floor(overview.urls);
say(
  `overview: content visible p50 ${fmt(overview.p50)}, max ${fmt(overview.max)} (${runs} cold loads); ${overview.apiRequests} API requests, p95 ${fmt(overview.apiP95)} in the page vs ${fmt(overviewFloor.p95)} bare`,
);

const callPage = await pageLoads(`/calls/${long!.id}`, async (p) => {
  await p.locator('.transcript .turn').nth(449).waitFor();
});
const callFloor = await floor(callPage.urls);
say(
  `call with a 30-minute transcript (450 turns): all turns visible p50 ${fmt(callPage.p50)}, max ${fmt(callPage.max)}; ${callPage.apiRequests} API requests, p95 ${fmt(callPage.apiP95)} in the page vs ${fmt(callFloor.p95)} bare`,
);

await browser.close();
await stack.stop();
await mkdir('bench/results', { recursive: true });
const result = {
  machine: 'this machine, embedded stack (PGlite, Temporal dev server), Chromium headless',
  data: { calls, contacts: 2_000, messages: 2_000, longCallTurns: 450 },
  overview: { ...overview, floorApiP95: overviewFloor.p95 },
  callPage: { ...callPage, floorApiP95: callFloor.p95 },
};
await writeFile('bench/results/dashboard.json', JSON.stringify(result, null, 2));
say('wrote bench/results/dashboard.json');
process.exit(0);
