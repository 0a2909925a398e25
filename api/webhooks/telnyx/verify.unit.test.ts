import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signTelnyx } from '../../../activities/providers/telephony/fake.js';
import { devKeys } from '../../../test/stack.js';
import { publicKeyFromBase64, verifyTelnyxSignature } from './verify.js';

const keys = devKeys();
const key = publicKeyFromBase64(keys.publicKeyBase64);
const now = Math.floor(Date.now() / 1000);
const json = JSON.stringify({ data: { id: 'x', event_type: 'call.initiated' } });
const form = 'CallSid=v3%3Aabc&From=%2B12125550100&CallStatus=ringing';
const check = (body: string, h: Record<string, string>, at = now) =>
  verifyTelnyxSignature(key, Buffer.from(body), h['telnyx-signature-ed25519'], h['telnyx-timestamp'], at);

describe('Telnyx signature verification', () => {
  it('accepts a valid JSON and a valid form body', () => {
    expect(check(json, signTelnyx(keys.privateKey, json, now))).toEqual({ ok: true });
    expect(check(form, signTelnyx(keys.privateKey, form, now))).toEqual({ ok: true });
  });
  it('rejects a body changed by one byte', () => {
    const h = signTelnyx(keys.privateKey, json, now);
    expect(check(json.replace('x', 'y'), h).ok).toBe(false);
    expect(check(form.replace('ringing', 'ringinG'), signTelnyx(keys.privateKey, form, now)).ok).toBe(false);
  });
  it('rejects stale and future timestamps beyond 5 minutes, accepts within', () => {
    expect(check(json, signTelnyx(keys.privateKey, json, now - 301))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('window'),
    });
    expect(check(json, signTelnyx(keys.privateKey, json, now + 301))).toMatchObject({ ok: false });
    expect(check(json, signTelnyx(keys.privateKey, json, now - 299))).toEqual({ ok: true });
  });
  it('rejects missing headers and a wrong key', () => {
    expect(check(json, {}).ok).toBe(false);
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(check(json, signTelnyx(other, json, now)).ok).toBe(false);
  });
  it('rejects a timestamp that was not the one signed', () => {
    const h = signTelnyx(keys.privateKey, json, now);
    expect(check(json, { ...h, 'telnyx-timestamp': String(now - 1) }).ok).toBe(false);
  });
  it('accepts only the canonical encoding of a signature: a re-encoded one is refused', () => {
    const h = signTelnyx(keys.privateKey, json, now);
    const sig = h['telnyx-signature-ed25519']!;
    expect(sig).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const variants = [
      sig.replace(/=+$/, ''), // padding dropped
      sig.replace(/\+/g, '-').replace(/\//g, '_'), // base64url
      `${sig.slice(0, 40)} ${sig.slice(40)}`, // a space inside
      ` ${sig}`,
      `${sig}\n`,
    ].filter((v) => v !== sig);
    expect(variants.length).toBeGreaterThanOrEqual(4);
    for (const v of variants)
      expect(check(json, { ...h, 'telnyx-signature-ed25519': v }), v).toMatchObject({ ok: false });
  });
});
