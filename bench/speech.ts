/**
 * Synthetic call audio made offline with flite (Debian package, installed by `npm run provision`):
 * short two-voice dialogues on everyday subjects, cached in the data folder.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, access } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DIALOGUES = [
  'Hi, it is Maria. I need to move my dentist appointment from Tuesday to Thursday afternoon. Can you call me back today?',
  'Hello, this is the furnace repair company. The technician can come tomorrow morning at nine to fix the heating.',
  'Hey, our flight to Lisbon was cancelled. We have to rebook the tickets and move the hotel by two days.',
  'This is accounting. The March invoice is still unpaid and now overdue. Please send the payment this week.',
  'Grandma fell and broke her hip. She is in the hospital and the surgery is on Monday. Please call the family.',
  'We picked up the new puppy on Saturday. He chews everything, and the vet visit is next Friday.',
  'I got the job offer from the startup. The salary is better but I would have to move to Austin.',
  'The mechanic called. The brakes are worn out and the repair will cost about two thousand dollars.',
];

/** WAV bytes for dialogue `i`, synthesised once and cached. */
export async function dialogueAudio(dataDir: string, i: number): Promise<Buffer> {
  const dir = path.join(dataDir, 'sim-audio');
  const file = path.join(dir, `dialogue-${i % DIALOGUES.length}.wav`);
  try {
    await access(file);
  } catch {
    await mkdir(dir, { recursive: true });
    try {
      await run('flite', ['-voice', 'rms', '-t', DIALOGUES[i % DIALOGUES.length]!, '-o', file], { timeout: 60_000 });
    } catch (err) {
      throw new Error(`flite could not synthesise call audio (${(err as Error).message.split('\n')[0]}). Install it with \`npm run provision\` (as root) or \`apt-get install flite\`.`);
    }
  }
  return readFile(file);
}
