/** The Python packages the project installs are pinned to their wheels' SHA-256 (pip --require-hashes). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = [
  'activities/providers/speech/requirements.txt',
  'deploy/requirements/temporal-cli.txt',
  'deploy/requirements/pgserver.txt',
];

describe('pinned Python requirements', () => {
  it('every requirement is an exact version with at least one sha256 hash, and every installer requires hashes', async () => {
    for (const file of files) {
      const text = (await readFile(path.join(root, file), 'utf8')).replace(/\\\n/g, ' ');
      const requirements = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
      expect(requirements.length, file).toBeGreaterThan(0);
      for (const r of requirements)
        expect(r, file).toMatch(/^[A-Za-z0-9_.-]+==\S+(\s+--hash=sha256:[0-9a-f]{64})+\s*$/);
    }
    for (const installer of [
      'activities/providers/speech/engine-install.ts',
      'deploy/temporal-cli.ts',
      'deploy/native-postgres.ts',
    ])
      expect(await readFile(path.join(root, installer), 'utf8'), installer).toContain("'--require-hashes'");
  });
});
