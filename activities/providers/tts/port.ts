/** Text-to-speech for greetings, in domain terms. */
export interface TextToSpeechPort {
  readonly name: string;
  /** Voice and model: part of the cache key, so a new voice makes new audio. */
  readonly voice: string;
  synthesize(text: string): Promise<{ audio: Buffer; contentType: 'audio/mpeg' }>;
}
