import { writeFile } from 'node:fs/promises';
import { speak, resample, muLawWav } from '../bench/speech.js';
const texts = ['Thanks for calling, Thursday afternoon works for me.', 'The March invoice is still unpaid. Please send the payment this week.'];
for (const v of ['rms','slt','awb','kal16','kal']) for (const [i,t] of texts.entries()) {
  const { samples, rate } = await speak(t, v);
  await writeFile(`/tmp/sp/${v}-${i}.wav`, muLawWav([resample(samples, rate, 8000)]));
}
