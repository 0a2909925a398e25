/**
 * The vendor fakes as their own process (the outside world should not share the product's CPU in
 * a benchmark): canned language and embeddings answers, stock transcripts, and any recording name
 * served as a small mp3. Prints one JSON line with the environment that points at them.
 */
import { startVendors } from '../test/vendors.js';

const vendors = await startVendors({ canned: true });
const audio = Buffer.from('ID3 canned benchmark recording');
for (let i = 0; i < 2000; i++) vendors.telnyx.hostRecording(`canned-${i}.mp3`, audio);
process.stdout.write(`${JSON.stringify({ env: vendors.env, recordingBase: vendors.telnyx.hostRecording('canned-0.mp3', audio).replace(/canned-0\.mp3$/, '') })}\n`);
process.on('SIGTERM', () => void vendors.close().then(() => process.exit(0)));
