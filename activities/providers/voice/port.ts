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

/** Speech to text over one live stream: the caller's frames in, a final transcript per utterance out. */
export interface LiveRecognizer {
  readonly name: string;
  /**
   * Opens the stream for one call. `onFinal` gets each utterance's words when the vendor has
   * decided the caller finished it; `onError` once, when the stream failed (the call goes on with
   * the local engine).
   */
  open(o: { hints: string[]; onFinal: (text: string) => void; onError: (err: Error) => void }): Promise<LiveStream>;
}

export interface LiveStream {
  /** One 20 ms frame of 8 kHz µ-law. */
  send(frame: Buffer): void;
  close(): void;
}

/** One block of a conversation as the model API keeps it. */
export type ChatBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string };

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string | ChatBlock[];
}

export interface ToolSpec {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** What the model writes, as it writes it: text deltas, and each tool call once its input is whole. */
export type ModelEvent =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** A conversational model that streams its turn and may call tools (Claude). */
export interface ConversationModel {
  readonly name: string;
  stream(
    req: { system: string; messages: ChatMessage[]; tools: ToolSpec[]; maxTokens: number },
    signal: AbortSignal,
  ): AsyncIterable<ModelEvent>;
}
