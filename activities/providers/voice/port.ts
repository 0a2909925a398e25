/** The live receptionist's engines, in domain terms: short utterances in, telephone audio out. */

/** Speech to text for one caller utterance already cut by voice activity detection. */
export interface UtteranceRecognizer {
  readonly name: string;
  /** The words of 8 kHz µ-law audio; `hints` are names the caller may say (bias, not a filter). */
  recognize(mulaw: Buffer, hints?: string[]): Promise<string>;
  /** Loads the model now, so the first caller does not wait for it. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/** Text to speech at telephone quality: 8 kHz µ-law, ready for Telnyx's PCMU stream. */
export interface PhoneVoice {
  readonly name: string;
  synthesize(text: string): Promise<Buffer>;
  warm(): Promise<void>;
  close(): Promise<void>;
}
