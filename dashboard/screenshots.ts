/**
 * `npm run screenshots`: the pictures in docs/dashboard.md, taken from a simulated data set. Starts the product
 * (`npm start`) on a fresh data folder and free ports, plays `npm run simulate`, then photographs
 * the overview, a call page and a contact page in Chromium at desktop width (and the overview at
 * phone width) into dashboard/screenshots/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(import.meta.dirname, 'screenshots');
const say = (line: string) => console.log(`[screenshots] ${line}`);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

function run(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): { child: ChildProcess; output: () => string; done: Promise<number | null> } {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true,
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, output: () => text, done: new Promise((r) => child.on('exit', r)) };
}

async function until(check: () => boolean, what: string, ms = 300_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const dataDir = path.join(tmpdir(), `cc-screenshots-${process.pid}`);
const env = {
  DATA_DIR: dataDir,
  PORT: String(await freePort()),
  TEMPORAL_DEV_PORT: String(await freePort()),
  TEMPORAL_UI_PORT: String(await freePort()),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
};
const base = `http://127.0.0.1:${env.PORT}`;
say(`starting the product on ${base} ...`);
const product = run('start', env);
try {
  await until(() => /dataFolder:\s+\S+/.test(product.output()), 'npm start');
  say('playing simulated calls ...');
  const sim = run('simulate', { DATA_DIR: dataDir, PORT: env.PORT }, ['--calls', '6', '--sms', '2']);
  if ((await sim.done) !== 0) throw new Error(`simulate failed:\n${sim.output().slice(-2000)}`);
  const token = (await readFile(path.join(dataDir, 'api-token'), 'utf8')).trim();
  const get = async (p: string) =>
    ((await (await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: never })
      .data;
  const calls = (await get('/api/phone-records?limit=50')) as {
    id: string;
    hasRecording: boolean;
    contactId: string | null;
    summary: string | null;
  }[];
  const call =
    calls.find((c) => c.hasRecording && c.contactId && c.summary?.includes('invoice')) ??
    calls.find((c) => c.hasRecording && c.contactId)!;

  await mkdir(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${base}/signin`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=stats]');
  const shoot = async (p: string, name: string, ready: string) => {
    await page.goto(`${base}${p}`);
    await page.waitForSelector(ready);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
    say(`wrote dashboard/screenshots/${name}.png`);
  };
  await shoot('/', 'overview', '[data-testid=stats]');
  await shoot(`/calls/${call.id}`, 'call', '.transcript');
  await shoot(`/contacts/${call.contactId}`, 'contact', '[data-testid=score]');
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot('/', 'overview-phone', '[data-testid=stats]');
  await browser.close();
} finally {
  process.kill(-product.child.pid!, 'SIGINT');
  await product.done;
  await rm(dataDir, { recursive: true, force: true });
}
