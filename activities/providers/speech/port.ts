/** Speech-to-text in domain terms. */
export interface SpeechSegment {
  speaker: string;
  startMs: number;
  endMs: number;
  text: string;
}

export interface Transcript {
  text: string;
  segments: SpeechSegment[];
  durationSeconds?: number;
  model: string;
}

export interface SpeechToTextPort {
  readonly name: string;
  /** `channels` 2 means one party per channel (Telnyx dual recordings). */
  transcribe(input: { audio: Buffer; contentType: string; channels: number; onProgress?: () => void }): Promise<Transcript>;
}
