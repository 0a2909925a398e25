import { writeFile } from 'node:fs/promises';
import { DIALOGUES, dualCall, monoCall } from '../bench/speech.js';
const t = Date.now();
for (let i = 0; i < 3; i++) {
  const { wav, turns } = await dualCall(DIALOGUES[i]!);
  await writeFile(`/tmp/sp/d${i}.wav`, wav);
  console.log(i, wav.length, JSON.stringify(turns.map(t=>[t.party,t.startMs,t.endMs])));
}
await writeFile('/tmp/sp/mono.wav', await monoCall('The March invoice is still unpaid and now overdue. Please send the payment this week.'));
console.log(Date.now() - t, 'ms');
