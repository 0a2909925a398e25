import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortFree, freePort, freePortRanges } from './ports.js';

const held: Server[] = [];
const hold = (port: number) =>
  new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve());
    held.push(srv);
  });
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('freePortRanges', () => {
  it('gives ranges that are free and do not overlap', async () => {
    for (let round = 0; round < 20; round++) {
      const widths = [2, 2, 1, 1, 1];
      const bases = await freePortRanges(widths);
      const ports = bases.flatMap((b, i) => Array.from({ length: widths[i]! }, (_, k) => b + k));
      expect(new Set(ports).size).toBe(ports.length);
      for (const p of ports) await assertPortFree(p, 'test');
    }
  });

  it('skips a port whose next port is taken', async () => {
    // Hold every port after the ones the OS hands out next, so a width-2 range needs a second try.
    const first = await freePort();
    await hold(first + 1).catch(() => undefined);
    const [base] = await freePortRanges([2]);
    await assertPortFree(base!, 'test');
    await assertPortFree(base! + 1, 'test');
    expect(base).not.toBe(first);
  });
});
