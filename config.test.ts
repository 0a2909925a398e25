import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig } from './config.js';

describe('config', () => {
  it('reports every missing production setting by name at once', () => {
    try {
      loadConfig('api', {});
      expect.unreachable('loadConfig should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as Error).message;
      for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TELNYX_PUBLIC_KEY', 'API_TOKENS']) expect(text).toContain(name);
    }
  });

  it('reports invalid values by name', () => {
    expect(() => loadConfig('embedded', { PORT: 'eighty', TELNYX_PUBLIC_KEY: 'short' })).toThrow(/PORT/);
    expect(() => loadConfig('embedded', { TELNYX_PUBLIC_KEY: 'c2hvcnQ=' })).toThrow(/TELNYX_PUBLIC_KEY/);
    expect(() => loadConfig('embedded', { EMBEDDINGS_PROVIDER: 'openai' })).toThrow(/EMBEDDINGS_API_KEY/);
  });

  it('defaults to the local engines and embedded parts', () => {
    const c = loadConfig('embedded', {});
    expect(c.embeddings.provider).toBe('local');
    expect(c.database.url).toBeUndefined();
    expect(c.temporal.address).toBeUndefined();
    expect(c.http.port).toBe(3000);
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('.env.example documents every setting the schema reads', () => {
    const documented = new Set(
      readFileSync(new URL('./.env.example', import.meta.url), 'utf8')
        .split('\n')
        .map((l) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(l)?.[1])
        .filter(Boolean),
    );
    const missing = Object.keys(envSchema.shape).filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });
});
