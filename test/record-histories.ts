/**
 * `npm run record-histories`: runs one of each kind of workflow (a recorded call through every
 * stage, a missed call, an SMS, a reconciliation) on a fresh embedded-style stack with vendor
 * fakes, and saves their event histories to workflows/histories/ for the replay test.
 * Re-record when a workflow change is deliberate (and versioned with patched()).
 */
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import path from 'node:path';
import { callLifecycle, smsReceived } from '../activities/providers/telephony/fake.js';
import { contacts } from '../db/schema/index.js';
import { callWorkflowId, messageWorkflowId } from '../temporal.config.js';
import { startDevServer } from '../deploy/dev-server.js';
import { locateTemporalCli } from '../deploy/temporal-cli.js';
import { postSigned, startStack } from './stack.js';
import { startVendors } from '../activities/providers/fakes/vendor-set.js';
import { say } from '../bench/lib.js';
import { newCodecKeySpec } from '../temporal/codec.js';
import { freePort } from '../platform/ports.js';

const cli = await locateTemporalCli(process.env.TEMPORAL_CLI_PATH, say);
const temporal = await startDevServer({ cliPath: cli, port: await freePort(), namespace: 'default', headless: true });
process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
const vendors = await startVendors();
// Histories are encrypted as in production, with a key kept beside them for the replay test
// (synthetic calls only: fake numbers and fake audio).
const codecKeys = newCodecKeySpec('replay');
await writeFile(path.join('workflows', 'histories', 'replay-codec-keys.txt'), `${codecKeys}\n`);
const stack = await startStack({ env: vendors.env, codecKeys });
const out = path.join('workflows', 'histories');
try {
  await stack.database.db
    .insert(contacts)
    .values({ firstName: 'Ada', lastName: 'Lovelace', phoneE164: '+12125550100' });
  const post = async (route: string, event: unknown) => {
    const res = await postSigned(stack.app, stack.keys.privateKey, route, event);
    if (res.status !== 200) throw new Error(`${route} answered ${res.status}`);
  };
  const audio = Buffer.from('ID3 recorded history');
  vendors.deepgram.speak(audio, [
    { channel: 0, text: 'Can you send me the contract by Friday?' },
    { channel: 1, text: 'Yes, I will.' },
  ]);
  const recorded = callLifecycle({
    from: '+12125550100',
    to: '+13125550199',
    answered: true,
    talkSeconds: 150,
    recordingUrl: vendors.telnyx.hostRecording('history.mp3', audio),
  });
  const missed = callLifecycle({ from: '+12125550100', to: '+13125550199', answered: false });
  const sms = smsReceived('+12125550100', '+13125550199', 'Running late, see you at noon');
  for (const e of [...recorded.events, ...missed.events]) await post('/webhooks/telnyx/voice', e);
  // The hangup overtakes the answer: the missed path runs, then the answer and the recording
  // arrive inside the straggler window and the call is re-planned as answered.
  const lateAudio = Buffer.from('ID3 late answer');
  vendors.deepgram.speak(lateAudio, [{ channel: 0, text: 'Sorry, the line dropped. Call me back tomorrow.' }]);
  const lateAnswer = callLifecycle({
    from: '+12125550100',
    to: '+13125550199',
    answered: true,
    talkSeconds: 40,
    recordingUrl: vendors.telnyx.hostRecording('late.mp3', lateAudio),
  });
  const [lInitiated, lAnswered, lHangup, lSaved] = lateAnswer.events;
  for (const e of [lHangup!, lInitiated!]) await post('/webhooks/telnyx/voice', e);
  await new Promise((r) => setTimeout(r, 4_000));
  for (const e of [lSaved!, lAnswered!]) await post('/webhooks/telnyx/voice', e);
  // The run closes as missed; the recording redelivered afterwards reopens the call from its record.
  const reopenAudio = Buffer.from('ID3 reopened');
  vendors.deepgram.speak(reopenAudio, [{ channel: 0, text: 'I left the keys with the neighbour.' }]);
  const reopened = callLifecycle({
    from: '+12125550100',
    to: '+13125550199',
    answered: true,
    talkSeconds: 30,
    recordingUrl: vendors.telnyx.hostRecording('reopened.mp3', reopenAudio),
  });
  const [rInitiated, rAnswered, rHangup, rSaved] = reopened.events;
  for (const e of [rHangup!, rInitiated!]) await post('/webhooks/telnyx/voice', e);
  const firstRun = await stack.client.workflow.getHandle(callWorkflowId(reopened.callSessionId)).result();
  say(`reopened call's first run ended ${(firstRun as { status: string }).status}`);
  for (const e of [rSaved!, rAnswered!]) await post('/webhooks/telnyx/voice', e);
  await post('/webhooks/telnyx/messaging', sms);
  vendors.telnyx.detailRecords.push({
    record_type: 'call-control',
    call_session_id: 'history-cdr',
    direction: 'inbound',
    cli: '+12125550100',
    cld: '+13125550199',
    started_at: new Date(Date.now() - 600_000).toISOString(),
    finished_at: new Date(Date.now() - 540_000).toISOString(),
    call_sec: 60,
  });
  const sync = await stack.gateway.syncCallHistory({
    sinceIso: new Date(Date.now() - 86_400_000).toISOString(),
    limit: 10,
    requestId: 'history',
    waitMs: 60_000,
  });
  const ids = {
    'call-recorded': callWorkflowId(recorded.callSessionId),
    'call-missed': callWorkflowId(missed.callSessionId),
    'message-sms': messageWorkflowId(
      String(((sms.data as Record<string, unknown>).payload as Record<string, unknown>).id),
    ),
    'sync-call-history': sync.workflowId,
    'call-reconciled': callWorkflowId('history-cdr'),
    'call-late-answer': callWorkflowId(lateAnswer.callSessionId),
    'call-reopened': callWorkflowId(reopened.callSessionId),
  };
  // Payloads are bound to their workflow's id: the replay test replays each history under it.
  await writeFile(path.join(out, 'workflow-ids.json'), `${JSON.stringify(ids, null, 2)}\n`);
  for (const [name, id] of Object.entries(ids)) {
    const handle = stack.client.workflow.getHandle(id);
    await handle.result();
    const history = await handle.fetchHistory();
    // proto3 JSON, the format of `temporal workflow show --output json` and of historyFromJSON
    await writeFile(path.join(out, `${name}.json`), historyToJSON(history));
    say(`saved ${name} (${history.events?.length ?? 0} events)`);
  }
} finally {
  await stack.stop();
  await vendors.close();
  await temporal.stop();
}
