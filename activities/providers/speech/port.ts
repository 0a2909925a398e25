/** Speech-to-text in domain terms. */
export interface SpeechSegment {
  speaker: string;
  startMs: number;
  endMs: number;
  text: string;
  /** Word times from the engine, when it gives them. */
  words?: { text: string; startMs: number; endMs: number; confidence?: number }[];
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
  transcribe(input: {
    audio: Buffer;
    contentType: string;
    channels: number;
    onProgress?: () => void;
    /** Names the call should contain (the caller's, the owner's): the engine is biased toward them. */
    keyterms?: readonly string[];
  }): Promise<Transcript>;
  /** Whether the engine can run here (local engines; vendors are checked by their calls). */
  check?(): Promise<{ ok: boolean; detail: string }>;
  /** Stop what the engine runs (the local engine's child process). */
  close?(): Promise<void>;
}
