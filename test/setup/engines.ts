/** The acceptance layer's environment: the offline speech engine and Chromium, installed when missing. */
import { ensureSpeechEngine } from '../../activities/providers/speech/engine-install.js';
import { ensureChromium } from '../browser.js';
import { say, sharedPart } from './shared.js';

export default function setup() {
  return sharedPart('engines', async () => {
    try {
      await ensureSpeechEngine(say);
    } catch (err) {
      throw new Error(`The offline speech engine is required for the tests: ${(err as Error).message}`);
    }
    try {
      ensureChromium(say);
    } catch (err) {
      throw new Error(`A browser is required for the dashboard tests: ${(err as Error).message}`);
    }
    return async () => undefined;
  });
}
