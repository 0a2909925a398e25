/** The payload codec: encrypted, failing closed, and bound to the workflow each payload was written for. */
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, newCodecKeySpec, parseCodecKeys } from './codec.js';

const codec = new EncryptionCodec(parseCodecKeys(newCodecKeySpec('k')));
const plain = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('"x"') };
const wf = (workflowId: string) => ({ type: 'workflow' as const, namespace: 'default', workflowId });

describe('EncryptionCodec', () => {
  it('binds a payload to its workflow: another workflow cannot read it, its own and the UI can', async () => {
    const [bound] = await codec.encode([plain], wf('call-a'));
    await expect(codec.decode([bound!], wf('call-b'))).rejects.toThrow(/another workflow/);
    expect((await codec.decode([bound!], wf('call-a')))[0]!.data).toEqual(plain.data);
    // An activity of that workflow reads it too; the UI's codec requests name no workflow.
    const activity = { type: 'activity' as const, namespace: 'default', workflowId: 'call-a', isLocal: false };
    expect((await codec.decode([bound!], activity))[0]!.data).toEqual(plain.data);
    expect((await codec.decode([bound!]))[0]!.data).toEqual(plain.data);
    // Rewriting the bound id in the envelope breaks the authentication.
    const moved = {
      ...bound!,
      metadata: { ...bound!.metadata, 'bound-workflow-id': new TextEncoder().encode('call-b') },
    };
    await expect(codec.decode([moved], wf('call-b'))).rejects.toThrow();
  });

  it("lets a schedule's runs read what the schedule's action was encoded for", async () => {
    const [action] = await codec.encode([plain], wf('retention'));
    expect((await codec.decode([action!], wf('retention-2026-12-04T03:17:00Z')))[0]!.data).toEqual(plain.data);
    await expect(codec.decode([action!], wf('retention-evil'))).rejects.toThrow(/another workflow/);
  });

  it('refuses a payload that is not encrypted unless told to read old histories', async () => {
    await expect(codec.decode([plain])).rejects.toThrow(/not encrypted/);
    const lenient = new EncryptionCodec(parseCodecKeys(newCodecKeySpec('k')), { allowPlaintext: true });
    expect(await lenient.decode([plain])).toEqual([plain]);
  });
});
