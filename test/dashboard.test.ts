/// <reference lib="dom" />
/**
 * The dashboard as its user meets it: `npm start`, simulated calls, then Debian's Chromium signs in,
 * reads the overview, opens a call and plays its recording, searches by paraphrase, completes a
 * task, reads a notification, checks accessibility with axe-core at desktop and phone width, and
 * signs out. Everything it checks against is read back through the REST API with a bearer token.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSchema, schemaPath } from '../dashboard/generate-client.js';
import { CHROMIUM } from './browser.js';
import { client, embeddedEnv, eventually, npmRun, startEmbedded, type ApiJson, type Embedded } from './product.js';
import { telephoneSpeech } from '../fixtures/speech.js';
import { TELEPHONE_RATE } from '../platform/audio.js';

/** A 16-bit PCM WAV (what Chromium's fake microphone reads) of `samples`, then `silenceS` of silence. */
function pcmWav(samples: Float32Array, rate: number, silenceS: number): Buffer {
  const n = samples.length + Math.round(silenceS * rate);
  const out = Buffer.alloc(44 + n * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + n * 2, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < samples.length; i++)
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]!))), 44 + i * 2);
  return out;
}

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('the dashboard client', () => {
  it('is generated from the API as it is now (npm run dashboard:client)', async () => {
    expect(await generatedSchema()).toBe(await readFile(schemaPath, 'utf8'));
  });
});

describe('the dashboard in a browser, on npm start', { timeout: 600_000 }, () => {
  let product: Embedded;
  let api: ReturnType<typeof client>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** Serious or critical accessibility violations on the page as it is now. */
  async function axeViolations(p: Page): Promise<string[]> {
    if (!(await p.evaluate(() => 'axe' in window))) await p.addScriptTag({ content: axeSource });
    const result = (await p.evaluate(async () => {
      // @ts-expect-error axe is injected above
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
    })) as { id: string; impact: string; where: string[] }[];
    return result
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} at ${v.where.join(', ')}`);
  }

  beforeAll(async () => {
    product = await startEmbedded(await embeddedEnv());
    api = client(product.url, product.token, product.key);
    // The same traffic a user plays: six calls (one missed, some unknown callers), two texts.
    // ... and one caller who talks to the receptionist over the media stream.
    const sim = npmRun('simulate', { DATA_DIR: product.dataDir, PORT: product.env.PORT! }, [
      '--talk',
      '1',
      '--calls',
      '6',
      '--sms',
      '2',
      '--duplicates',
      '0.3',
      '--shuffle',
    ]);
    expect(await sim.exited).toBe(0);
    // The microphone is a file: a caller asking for a call back, then silence.
    const microphone = path.join(product.dataDir, 'caller-microphone.wav');
    await writeFile(
      microphone,
      pcmWav(
        await telephoneSpeech(
          'Hi, this is Dana. I am calling about the roof estimate. Can you call me back tomorrow at nine?',
        ),
        TELEPHONE_RATE,
        25,
      ),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--autoplay-policy=no-user-gesture-required',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${microphone}%noloop`,
      ],
    });
    // bypassCSP only so the test can inject axe-core; the app itself runs under its CSP.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('[browser]', err.message));
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    if (product) await product.proc.stop('SIGINT');
  }, 120_000);

  it('serves the app at / and its assets with a long cache', async () => {
    const root = await fetch(`${product.url}/`);
    expect(root.status).toBe(200);
    const html = await root.text();
    expect(html).toContain('<div id="root">');
    const asset = /\/assets\/[\w.-]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    const js = await fetch(`${product.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(product.proc.output()).toMatch(/Dashboard:\s+http:\/\/localhost:\d+\/auth\/link\?code=/);
  });

  it('signs in with the token into an httpOnly cookie, and a cookie alone cannot make a cross-site change', async () => {
    await page.goto(`${product.url}/calls`);
    await page.waitForURL(/\/signin\?next=/);
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toMatch(/not one of this server's API tokens/);
    await page.fill('#token', product.token);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/calls$/);
    const cookie = (await context.cookies()).find((c) => c.name === 'cc_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('cc_session');
    // The cookie authenticates reads; a change without the dashboard's header is refused.
    expect(await page.evaluate(async () => (await fetch('/api/session')).status)).toBe(200);
    expect(
      await page.evaluate(
        async () =>
          (
            await fetch('/api/tasks', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ title: 'forged' }),
            })
          ).status,
      ),
    ).toBe(403);
  });

  it('shows on the overview the figures the API answers, with no serious accessibility violation', async () => {
    const overview = await api.get('/api/dashboard/overview');
    await page.goto(`${product.url}/`);
    const stats = page.locator('[data-testid=stats] .stat');
    await expect.poll(() => stats.count()).toBe(4);
    const figures = Object.fromEntries(
      await stats.evaluateAll((els) =>
        els.map((el) => [
          el.querySelector('.stat-label')!.textContent,
          Number(el.querySelector('.stat-value')!.textContent),
        ]),
      ),
    );
    expect(figures).toEqual({
      Contacts: overview.counts.contacts,
      'Calls this week': overview.counts.callsThisWeek,
      'Open tasks': overview.counts.openTasks,
      'Upcoming events': overview.counts.upcomingEvents,
    });
    expect(overview.counts.callsThisWeek).toBe(7); // the six calls and the one that talked to the receptionist
    expect(await page.locator('text=Recent calls').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('opens a call: transcript by speaker, summary, stages, and the recording plays', async () => {
    const calls = await api.all('/api/phone-records');
    const answered = calls.find(
      (c: { status: string; hasRecording: boolean }) => c.status === 'completed' && c.hasRecording,
    );
    const full = await api.get(`/api/phone-records/${answered.id}`);
    await page.goto(`${product.url}/calls`);
    await page.locator(`a[href="/calls/${answered.id}"]`).first().click();
    await page.waitForURL(new RegExp(`/calls/${answered.id}$`));
    const turns = page.locator('.transcript:not(.conversation) .turn');
    await expect.poll(() => turns.count()).toBe(full.speakerSegments.length);
    expect(await turns.first().locator('p').textContent()).toBe(full.speakerSegments[0].text);
    expect(await page.locator('.card', { hasText: 'Summary' }).first().textContent()).toContain(full.summary);
    expect(await page.locator('.stages li').count()).toBe(7);
    const canPlay = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const audio = document.querySelector('audio')!;
          if (audio.readyState >= 3) return resolve(true);
          audio.addEventListener('canplay', () => resolve(true), { once: true });
          audio.addEventListener('error', () => resolve(false), { once: true });
          audio.preload = 'auto';
          audio.load();
        }),
    );
    expect(canPlay).toBe(true);
    // Clicking a turn seeks the player to it.
    const last = full.speakerSegments[full.speakerSegments.length - 1];
    await turns.last().locator('button').click();
    await expect
      .poll(() => page.evaluate(() => document.querySelector('audio')!.currentTime))
      .toBeGreaterThanOrEqual(last.startMs / 1000 - 0.05);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('serves the recording in byte ranges for the player', async () => {
    const calls = await api.all('/api/phone-records');
    const answered = calls.find((c: { hasRecording: boolean }) => c.hasRecording);
    const headers = { authorization: `Bearer ${product.token}` };
    const whole = await fetch(`${product.url}/api/phone-records/${answered.id}/recording`, { headers });
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
    const part = await fetch(`${product.url}/api/phone-records/${answered.id}/recording`, {
      headers: { ...headers, range: 'bytes=4-11' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-11/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(4, 12))).toBe(true);
    const beyond = await fetch(`${product.url}/api/phone-records/${answered.id}/recording`, {
      headers: { ...headers, range: `bytes=${bytes.length}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect((await fetch(`${product.url}/api/phone-records/${answered.id}/recording`)).status).toBe(401);
  });

  it('finds a call by a paraphrase and opens it at the passage', async () => {
    const hits = await api.get(`/api/search?q=${encodeURIComponent('bill that has not been paid')}`);
    const top = hits.hits[0];
    expect(top.type).toBe('call');
    await page.goto(`${product.url}/search`);
    await page.fill('input[name=q]', 'bill that has not been paid');
    await page.press('input[name=q]', 'Enter');
    const first = page.locator('.hits a').first();
    await first.waitFor();
    expect(await first.textContent()).toContain(top.passage.text.slice(0, 40));
    await first.click();
    await page.waitForURL(new RegExp(`/calls/${top.id}`));
    await expect.poll(() => page.locator('.transcript:not(.conversation) .turn').count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('asks a question from the header ("/" focuses it); a citation opens its call at that second', async () => {
    // Whichever simulated dialogue is here: the first question the API answers from a passage.
    let question = '';
    let answer: ApiJson;
    for (const q of [
      'When is the surgery?',
      'When can the technician come?',
      'What did accounting say about the invoice?',
      'What will the brake repair cost?',
      'When is the vet visit?',
    ]) {
      const r = await api.request('POST', '/api/ask', { question: q });
      // On a failure, the product's last errors say why (synthetic data only).
      const errors = () =>
        product.proc
          .output()
          .split('\n')
          .filter((l) => /error/i.test(l))
          .slice(-5)
          .join('\n');
      expect(r.status, r.status === 200 ? '' : errors()).toBe(200);
      if (r.json!.data.mode === 'passages') {
        question = q;
        answer = r.json!.data;
        break;
      }
    }
    expect(question, 'one of the simulated dialogues answers a question').not.toBe('');
    await page.goto(`${product.url}/calls`);
    await page.locator('main h1').first().waitFor();
    await page.keyboard.press('/');
    // A search input offering recent questions (a datalist) is a combobox.
    const box = page.getByRole('combobox', { name: 'Ask your calls' });
    await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);
    await box.fill(question);
    await box.press('Enter');
    const answerText = page.locator('.ask .answer-text');
    await answerText.waitFor();
    expect(await answerText.textContent()).toBe(answer!.answer);
    expect(await answerText.getAttribute('data-mode')).toBe('passages');
    expect(await axeViolations(page)).toEqual([]);
    const cite = answer!.citations.find((c: ApiJson) => c.phoneRecordId);
    await page.locator(`.ask .citations a[href^="/calls/${cite.phoneRecordId}"]`).click();
    await page.waitForURL(new RegExp(`/calls/${cite.phoneRecordId}`));
    expect(new URL(page.url()).hash).toBe(`#t=${cite.startMs}`);
    await expect.poll(() => page.locator('.transcript:not(.conversation) .turn').count()).toBeGreaterThan(0);
    // The question is kept for the owner: offered again after a reload (once the app has rendered).
    await page.reload();
    await expect
      .poll(() =>
        page.locator('#recent-questions option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value)),
      )
      .toContain(question);
  });

  it('completes a task, and it stays completed after a reload', async () => {
    const open = await api.all('/api/tasks?status=open');
    expect(open.length).toBeGreaterThan(0);
    const task = open[0];
    await page.goto(`${product.url}/tasks`);
    const row = page.locator('[data-testid=task]', { hasText: task.title }).first();
    await row.locator('input[type=checkbox]').check();
    await expect.poll(async () => (await api.get(`/api/tasks/${task.id}`)).status).toBe('done');
    await page.goto(`${product.url}/tasks?status=done`);
    await expect
      .poll(() =>
        page.locator('[data-testid=task]', { hasText: task.title }).locator('input[type=checkbox]').isChecked(),
      )
      .toBe(true);
    await page.reload();
    await expect
      .poll(() =>
        page.locator('[data-testid=task]', { hasText: task.title }).locator('input[type=checkbox]').isChecked(),
      )
      .toBe(true);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('marks a notification read, and the unread count in the header follows', async () => {
    const unread = await api.all('/api/notifications?unread=true');
    const countNow = async () =>
      ((await api.request('GET', '/api/notifications?limit=1')).json as unknown as { unreadCount: number }).unreadCount;
    const before = await countNow();
    expect(unread.length).toBeGreaterThan(0);
    expect(before).toBeGreaterThan(0);
    await page.goto(`${product.url}/notifications`);
    const badge = page.locator('nav .count');
    await expect.poll(() => badge.textContent()).toBe(String(before));
    const item = page.locator('[data-testid=notification]', { hasText: unread[0].title }).first();
    await item.getByRole('button', { name: 'Mark read' }).click();
    await expect.poll(async () => (await api.get(`/api/notifications?unread=true`)).length).toBe(unread.length - 1);
    expect(await countNow()).toBe(before - 1);
    if (before > 1) await expect.poll(() => badge.textContent()).toBe(String(before - 1));
    else await expect.poll(() => badge.count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('plays a test call from the Setup page and opens it; the call goes through the whole pipeline', async () => {
    await page.goto(`${product.url}/setup`);
    await page.getByRole('button', { name: 'Play a test call' }).click();
    const open = page.getByRole('link', { name: 'Open it' });
    await open.waitFor({ timeout: 60_000 });
    await open.click();
    await page.waitForURL(/\/calls\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    const done = await eventually(async () => {
      const call = await api.get(`/api/phone-records/${id}`);
      return call.stageStatus?.notify?.status === 'done' ? call : null;
    }, 120_000);
    expect(done.stageStatus).toMatchObject({
      record: { status: 'done' },
      transcribe: { status: 'done' },
      summarize: { status: 'done' },
      embed: { status: 'done' },
    });
    expect(done.phoneNumber).toMatch(/^\+1312555\d{4}$/);
    await expect
      .poll(() => page.locator('.transcript:not(.conversation) .turn').count(), { timeout: 15_000 })
      .toBe(done.speakerSegments.length);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('talks to the receptionist from the Setup page (the microphone is a file) and opens the conversation', async () => {
    await context.grantPermissions(['microphone'], { origin: product.url });
    await page.goto(`${product.url}/setup`);
    await page.getByRole('button', { name: 'Talk to your receptionist' }).click();
    await page.getByText('receptionist speaking').waitFor({ timeout: 30_000 });
    // The caller's words are heard and answered while the call is on.
    const call = await eventually(async () => {
      const calls = (await api.get('/api/phone-records?limit=20')) as { id: string; callSessionId: string }[];
      const mine = calls.find((c) => c.callSessionId.startsWith('v3:browser-'));
      if (!mine) return null;
      const detail = await api.get(`/api/phone-records/${mine.id}`);
      const turns = (detail.conversation?.turns ?? []) as { speaker: string; text: string }[];
      // Through the browser's microphone path Whisper has heard "root estimate" as well.
      const heard = turns.findIndex((t) => t.speaker === 'caller' && /\bestimate\b/i.test(t.text));
      return heard >= 0 && turns.slice(heard + 1).some((t) => t.speaker === 'receptionist') ? detail : null;
    }, 90_000);
    expect(call, 'the caller was heard and answered within 90 s').toBeTruthy();
    const turns = call.conversation.turns as { speaker: string; text: string; interrupted?: boolean }[];
    // The microphone speaks at once: the greeting is either heard or cut short by the caller (barge-in).
    expect(turns[0]).toMatchObject({ speaker: 'receptionist' });
    expect(turns[0]!.interrupted === true || /^Hello, you have reached /.test(turns[0]!.text)).toBe(true);
    expect(turns.find((t, i) => i > 1 && t.speaker === 'receptionist')!.text).toMatch(
      /call you back tomorrow at 9 AM about the \w+ estimate\. Is that right\?$/,
    );
    await page.getByRole('button', { name: 'Hang up' }).click();
    const open = page.getByRole('link', { name: 'Open it' });
    await open.waitFor({ timeout: 60_000 });
    await open.click();
    await page.waitForURL(`${product.url}/calls/${call.id}`);
    await expect
      .poll(() => page.locator('[aria-label="Conversation turns"] li').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(3);
    await expect.poll(() => page.getByTestId('conversation-outcome').textContent()).toMatch(/the \w+ estimate/);
    // Nothing was recorded: the conversation went through the pipeline as the call's transcript.
    const processed = await eventually(async () => {
      const c = await api.get(`/api/phone-records/${call.id}`);
      return c.stageStatus?.notify?.status === 'done' ? c : null;
    }, 120_000);
    expect(processed.stageStatus).toMatchObject({
      record: { status: 'skipped' },
      transcribe: { status: 'done' },
      summarize: { status: 'done' },
      embed: { status: 'done' },
    });
    await page.reload();
    await expect
      .poll(() => page.locator('.card', { hasText: 'Summary' }).first().textContent())
      .toContain(processed.summary);
    expect(await page.locator('.transcript:not(.conversation)').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('works at phone width: no sideways scrolling, the menu opens, pages pass axe', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      bypassCSP: true,
      storageState: await context.storageState(),
    });
    try {
      for (const path of ['/', '/calls', '/contacts', '/messages', '/setup']) {
        await phone.goto(`${product.url}${path}`);
        await phone.locator('main h1').first().waitFor();
        await phone.waitForLoadState('networkidle');
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect({ path, overflow }).toEqual({ path, overflow: 0 });
        expect({ path, violations: await axeViolations(phone) }).toEqual({ path, violations: [] });
      }
      await phone.getByRole('button', { name: 'Menu' }).click();
      await phone.getByRole('link', { name: 'Contacts' }).click();
      await phone.waitForURL(/\/contacts$/);
    } finally {
      await phone.close();
    }
  });

  it('signs out, after which the cookie is refused; the start banner link signs in once', async () => {
    await page.goto(`${product.url}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    expect(await page.evaluate(async () => (await fetch('/api/session')).status)).toBe(401);
    await page.goto(`${product.url}/contacts`);
    await page.waitForURL(/\/signin\?next=/);

    const link = /Dashboard:\s+(http:\/\/localhost:\d+\/auth\/link\?code=\S+)/
      .exec(product.proc.output())![1]!
      .replace('localhost', '127.0.0.1');
    const fresh = await browser.newContext();
    try {
      const p = await fresh.newPage();
      await p.goto(link);
      await p.waitForURL(`${product.url}/`);
      await eventually(async () => (await p.locator('[data-testid=stats]').count()) > 0, 20_000, 200);
      const again = await fresh.newPage();
      await fresh.clearCookies();
      await again.goto(link);
      await again.waitForURL(/\/signin\?link=expired/);
    } finally {
      await fresh.close();
    }
  });
});
