/**
 * The relay thread's supervision: what a thread counts reaches this process's metrics, a thread
 * that exits is started again with backoff, and stopping during the wait starts nothing more.
 * The thread here is a stand-in script that reports one delivery and fails; the real relay on its
 * thread is exercised through `npm run cluster` (test/cluster.test.ts).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../config.js';
import { relayDeliveries } from '../../../platform/metrics.js';
import { scratchPath } from '../../../test/scratch.js';
import { startRelayThread } from './relay-thread.js';

const delivered = async () =>
  (await relayDeliveries.get()).values.find((v) => v.labels.outcome === 'accepted')?.value ?? 0;

describe('relay thread supervision', () => {
  it('counts what the thread reports, starts a failed thread again with backoff, and stops during the wait', async () => {
    const dir = scratchPath('relay-thread');
    await mkdir(dir, { recursive: true });
    const launches = path.join(dir, 'launches');
    const script = path.join(dir, 'failing-relay.mjs');
    await writeFile(
      script,
      `import { appendFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
appendFileSync(${JSON.stringify(launches)}, Date.now() + '\\n');
parentPort.postMessage({ counts: { delivered: [['accepted', 0.25]], failed: [], late: [] } });
setTimeout(() => process.exit(3), 50);
`,
    );
    const warnings: { message: string; fields: unknown }[] = [];
    const log = {
      debug() {},
      info() {},
      warn: (message: string, fields: unknown) => warnings.push({ message, fields }),
      error() {},
    };
    const before = await delivered();
    const relay = startRelayThread({
      db: {} as never,
      log: log as never,
      config: { http: { relayNiceness: 10 } } as Config,
      script: pathToFileURL(script),
    });
    const times = async () =>
      (await readFile(launches, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
    relay.start();
    const until = Date.now() + 10_000;
    while ((await times()).length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const [first, second, third] = await times();
    expect(third).toBeDefined();
    // 1 s after the first exit, 2 s after the second (each thread lives about 50 ms).
    expect(second! - first!).toBeGreaterThanOrEqual(1_000);
    expect(second! - first!).toBeLessThan(1_900);
    expect(third! - second!).toBeGreaterThanOrEqual(2_000);
    expect(third! - second!).toBeLessThan(2_900);
    // Logged once for the run of exits (then every tenth), not at every restart.
    expect(warnings).toEqual([
      {
        message: 'inbox relay thread exited; starting it again',
        fields: { code: 3, exitsInARow: 1, delayMs: 1_000 },
      },
    ]);
    // The third thread exits and waits 4 s for its restart: stopping now returns at once and starts nothing.
    await new Promise((r) => setTimeout(r, 300));
    const stopAt = Date.now();
    await relay.stop();
    expect(Date.now() - stopAt).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 4_500));
    expect(await times()).toHaveLength(3);
    // Each thread's report reached this process's counter.
    expect((await delivered()) - before).toBe(3);
  });
});
