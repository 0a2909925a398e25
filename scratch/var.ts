import { writeFile } from 'node:fs/promises';
import { DIALOGUES, dualCall, monoCall } from '../bench/speech.js';
for (let i = 0; i < DIALOGUES.length; i++) {
  const { wav } = await dualCall(DIALOGUES[i]!);
  await writeFile(`/tmp/sp/d${i}.wav`, wav);
}
await writeFile('/tmp/sp/mono.wav', await monoCall('The March invoice is still unpaid and now overdue. Please send the payment this week.'));
