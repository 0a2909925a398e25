/**
 * The outside world of the pipeline benchmark, in its own process so that it does not share the
 * product's CPU: the vendor fakes (canned language and embeddings answers, stock transcripts, any
 * recording name served as a small mp3) and Telnyx's side of the webhooks, which it signs and
 * posts when asked. Prints one JSON line: the environment that points at the fakes, the recordings'
 * base URL and the control URL.
 *
 * Control: POST /play `{ target, key (PKCS#8 PEM), lives: [{ callSessionId, events }] }` posts
 * each call's events in order (calls at once) and answers `{ savedAt }`: when each call's
 * `call.recording.saved` was accepted (epoch ms).
 */
import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverAsTelnyx } from '../activities/providers/telephony/fake.js';
import { startVendors } from '../activities/providers/fakes/vendor-set.js';

const vendors = await startVendors({ canned: true });
const audio = Buffer.from('ID3 canned benchmark recording');
for (let i = 0; i < 2000; i++) vendors.telnyx.hostRecording(`canned-${i}.mp3`, audio);

interface Play {
  target: string;
  key: string;
  lives: { callSessionId: string; events: { data: { event_type: string } }[] }[];
}

async function play({ target, key, lives }: Play): Promise<Record<string, number>> {
  const privateKey = createPrivateKey(key);
  const savedAt: Record<string, number> = {};
  await Promise.all(
    lives.map(async (life) => {
      for (const event of life.events) {
        // Refusals (503 while Temporal is busy) are redelivered, as Telnyx redelivers them.
        const { outcome, ok } = await deliverAsTelnyx(target, privateKey, JSON.stringify(event));
        if (!ok) throw new Error(`webhook ${event.data.event_type} answered ${outcome}`);
        if (event.data.event_type === 'call.recording.saved') savedAt[life.callSessionId] = Date.now();
      }
    }),
  );
  return savedAt;
}

const control = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    play(JSON.parse(Buffer.concat(chunks).toString()) as Play).then(
      (savedAt) => res.end(JSON.stringify({ savedAt })),
      (err: Error) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: err.message }));
      },
    );
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

process.stdout.write(
  `${JSON.stringify({ env: vendors.env, recordingBase: vendors.telnyx.hostRecording('canned-0.mp3', audio).replace(/canned-0\.mp3$/, ''), controlUrl })}\n`,
);
process.on(
  'SIGTERM',
  () => void Promise.all([vendors.close(), new Promise((r) => control.close(r))]).then(() => process.exit(0)),
);
