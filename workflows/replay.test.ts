/**
 * Replays recorded workflow histories (workflows/histories/*.json, captured from real runs by
 * `npm run record-histories`) against today's workflow code: a change that would break workflows
 * already running in production fails here with a non-determinism error.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../worker/worker.js';
import { quietRuntime } from '../test/stack.js';
import { dataConverterFor, EncryptionCodec, parseCodecKeys } from '../temporal/codec.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');

describe('workflow history replay', () => {
  it('replays every recorded history without non-determinism', async () => {
    quietRuntime();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json').sort();
    expect(files.length, 'recorded histories in workflows/histories').toBeGreaterThanOrEqual(4);
    // The current generation was recorded with payloads bound to their workflow ids (kept beside them).
    const ids = JSON.parse(await readFile(path.join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
    const histories = await Promise.all(
      files.map(async (f) => ({
        workflowId: ids[f.replace(/\.json$/, '')] ?? f.replace(/\.json$/, ''),
        history: JSON.parse(await readFile(path.join(dir, f), 'utf8')) as unknown,
      })),
    );
    const failures: string[] = [];
    // With the codec the workers use, and the key the histories were recorded with; those recorded
    // before the codec (plain payloads) pass through, as TEMPORAL_CODEC_ALLOW_PLAINTEXT lets them.
    const keys = (await readFile(path.join(dir, 'replay-codec-keys.txt'), 'utf8')).trim();
    const dataConverter = dataConverterFor(new EncryptionCodec(parseCodecKeys(keys), { allowPlaintext: true }));
    for await (const result of Worker.runReplayHistories({ workflowsPath, dataConverter }, histories as never)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
