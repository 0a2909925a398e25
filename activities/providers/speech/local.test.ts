/** The offline speech engine's parts that do not need the recogniser installed. */
import { describe, expect, it } from 'vitest';
import { createTurns, parsePocketsphinxTimes } from './local.js';

describe('local speech', () => {
  it('runs at most `size` recognisers at once, and every one of them', async () => {
    const inTurn = createTurns(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        inTurn(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // A failing turn hands its place on.
    await expect(inTurn(async () => Promise.reject(new Error('recogniser crashed')))).rejects.toThrow('recogniser crashed');
    expect(await Promise.all([inTurn(async () => 'a'), inTurn(async () => 'b'), inTurn(async () => 'c')])).toEqual(['a', 'b', 'c']);
  });

  it('reads utterances with times from pocketsphinx output', () => {
    const out = ['<s> 0.10 0.20 1.0', 'hello 0.20 0.60 0.9', 'world(2) 0.60 1.10 0.8', '</s> 1.10 1.20 1.0', '<sil> 1.20 1.50 1.0', '<s> 2.00 2.10 1.0', 'again 2.10 2.50 0.9', '</s> 2.50 2.60 1.0'].join('\n');
    expect(parsePocketsphinxTimes(out, 'caller')).toEqual([
      { speaker: 'caller', startMs: 200, endMs: 1100, text: 'hello world' },
      { speaker: 'caller', startMs: 2100, endMs: 2500, text: 'again' },
    ]);
  });
});
