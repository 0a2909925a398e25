import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig, secretValues } from './config.js';
import { createLogger } from './platform/logger.js';

describe('config', () => {
  it('reports every missing production setting by name at once', () => {
    try {
      loadConfig('api', {});
      expect.unreachable('loadConfig should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as Error).message;
      for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TELNYX_PUBLIC_KEY', 'API_TOKENS'])
        expect(text).toContain(name);
    }
  });

  it('refuses weak API tokens in production and masks every secret, raw or JSON-escaped', () => {
    const base = {
      DATABASE_URL: 'postgres://cc:pa55w0rd-db@db:5432/cc',
      TEMPORAL_ADDRESS: 't:7233',
      TEMPORAL_CODEC_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      TELNYX_PUBLIC_KEY: Buffer.alloc(32, 2).toString('base64'),
    };
    expect(() => loadConfig('api', { ...base, API_TOKENS: 'password' })).toThrow(
      /API_TOKENS: every token must be at least 32 characters/,
    );
    // The embedded product and the worker refuse weak tokens too; `npm start` listens on loopback unless told.
    for (const role of ['embedded', 'worker'] as const)
      expect(() => loadConfig(role, { ...base, API_TOKENS: 'password' }), role).toThrow(/at least 32 characters/);
    expect(loadConfig('embedded', {}).http.host).toBe('127.0.0.1');
    expect(loadConfig('embedded', { HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
    expect(loadConfig('api', { ...base, API_TOKENS: 't'.repeat(40) }).http.host).toBe('0.0.0.0');
    // A short secret is masked as well.
    const short = loadConfig('embedded', { DATABASE_URL: 'postgres://cc:pw42@db/cc' });
    const seen: string[] = [];
    const write0 = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (seen.push(chunk), true)) as typeof process.stdout.write;
    try {
      createLogger({ logLevel: 'info' }, secretValues(short)).info('db refused pw42');
    } finally {
      process.stdout.write = write0;
    }
    expect(seen.join('')).not.toContain('pw42');
    const config = loadConfig('api', {
      ...base,
      API_TOKENS: 't'.repeat(40),
      S3_BUCKET: 'b',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      S3_SECRET_ACCESS_KEY: 's3-secret"with\\quote',
    });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stdout.write;
    try {
      createLogger({ logLevel: 'info' }, secretValues(config)).info('vendor said', {
        error: 's3-secret"with\\quote failed; db pa55w0rd-db refused',
        token: 't'.repeat(40),
      });
    } finally {
      process.stdout.write = write;
    }
    expect(lines.join('')).not.toMatch(/s3-secret|pa55w0rd|tttttttttt/);
    expect(lines.join('')).toContain('***');
  });

  it('reports invalid values by name', () => {
    expect(() => loadConfig('embedded', { PORT: 'eighty', TELNYX_PUBLIC_KEY: 'short' })).toThrow(/PORT/);
    expect(() => loadConfig('embedded', { TELNYX_PUBLIC_KEY: 'c2hvcnQ=' })).toThrow(/TELNYX_PUBLIC_KEY/);
    expect(() => loadConfig('embedded', { EMBEDDINGS_PROVIDER: 'openai' })).toThrow(/EMBEDDINGS_API_KEY/);
    expect(() => loadConfig('embedded', { RING_OWNER_FIRST: 'vips' })).toThrow(/RING_OWNER_FIRST/);
    expect(() => loadConfig('embedded', { RING_OWNER_FIRST: 'contacts' })).toThrow(/OWNER_PHONE_NUMBER/);
    expect(() =>
      loadConfig('embedded', { RING_OWNER_FIRST: 'everyone', OWNER_PHONE_NUMBER: '+13125550111', TELNYX_API_KEY: 'k' }),
    ).toThrow(/TELNYX_CONNECTION_ID/);
    expect(() =>
      loadConfig('embedded', { RING_OWNER_FIRST: 'everyone', OWNER_PHONE_NUMBER: '+1312555011', RECEPTIONIST: 'off' }),
    ).toThrow(/RECEPTIONIST=on/);
    expect(() => loadConfig('embedded', { RING_OWNER_HOURS: '9-5' })).toThrow(/RING_OWNER_HOURS/);
    const ring = loadConfig('embedded', {
      RING_OWNER_FIRST: 'score>=60',
      RING_OWNER_HOURS: '08:30-17:00',
      OWNER_PHONE_NUMBER: '+13125550111',
    }).receptionist.ringOwner;
    expect(ring).toEqual({ rule: 'score>=60', hours: '08:30-17:00', seconds: 20 });
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
