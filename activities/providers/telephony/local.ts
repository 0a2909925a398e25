/**
 * The offline telephony engine: with no Telnyx key there is no live call to command, so commands
 * are recorded in the outbox folder (one JSON line each) where the operator and tests can read them.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TelephonyPort } from './port.js';

export function createLocalTelephony(dataDir: string): TelephonyPort {
  const outbox = path.join(dataDir, 'outbox', 'telephony.jsonl');
  const write = async (entry: Record<string, unknown>) => {
    await mkdir(path.dirname(outbox), { recursive: true });
    await appendFile(outbox, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  };
  return {
    name: 'local',
    async answerAndRecord(input) {
      await write({ command: 'answer_and_record', callControlId: input.callControlId, commandKey: input.commandKey });
    },
    // No live calls offline: the commands are written down; the owner's leg never rings, so the
    // call's workflow hands the caller to the receptionist when its ring time is up.
    async dialOwner(input) {
      const callControlId = `local:${randomUUID()}`;
      await write({ command: 'dial_owner', linkTo: input.linkTo, timeoutSecs: input.timeoutSecs, callControlId });
      return { callControlId };
    },
    async bridgeToOwner(input) {
      await write({ command: 'bridge', callControlId: input.callControlId, to: input.ownerCallControlId });
    },
    async hangupLeg(input) {
      await write({ command: 'hangup', callControlId: input.callControlId });
    },
    async sendSms({ to, text }) {
      const messageId = randomUUID();
      await write({ command: 'send_sms', to, chars: text.length, messageId });
      return { messageId };
    },
    async listCallDetailRecords() {
      return [];
    },
  };
}
