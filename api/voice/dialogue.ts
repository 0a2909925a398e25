/**
 * The receptionist's side of the conversation, as the session consumes it: one caller utterance
 * in, the reply out as a stream of sentences (each spoken as soon as it is ready), the milestones
 * it reached, and whether the call is over. Two implementations: the offline scripted receptionist
 * (`receptionist.ts`, answers at once) and Claude with the same tools and limits
 * (`claude-dialogue.ts`).
 */
import type { Milestone, Receptionist, TakenMessage } from './receptionist.js';

export type DialogueEvent =
  | { type: 'say'; text: string }
  | { type: 'milestone'; milestone: Milestone }
  | { type: 'end'; end: 'done' | 'transfer' };

export interface Dialogue {
  readonly name: string;
  greeting(): string;
  /** The reply to one utterance; `signal` aborts it (the caller spoke over it, or hung up). */
  hear(text: string, signal: AbortSignal): AsyncIterable<DialogueEvent>;
  /** What was taken so far (stored when the call ends before the dialogue did). */
  message(): TakenMessage | undefined;
}

/** The offline receptionist as a dialogue: its whole reply at once. */
export function scriptedDialogue(r: Receptionist): Dialogue {
  return {
    name: 'offline dialogue',
    greeting: () => r.greeting(),
    async *hear(text) {
      const reply = r.hear(text);
      for (const m of reply.milestones) yield { type: 'milestone', milestone: m };
      for (const line of reply.say) for (const s of sentencesOf(line)) yield { type: 'say', text: s };
      if (reply.end) yield { type: 'end', end: reply.end };
    },
    message: () => r.message(),
  };
}

/** A line cut into the sentences it is spoken as. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.?!])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Cuts streamed text into sentences as they complete: `push` returns the sentences a delta
 * finished (one ends at . ? or ! followed by a space), `flush` the rest.
 */
export function sentenceCutter() {
  let buffer = '';
  return {
    push(delta: string): string[] {
      buffer += delta;
      const out: string[] = [];
      for (;;) {
        const m = /[.?!]["')\]]?\s+/.exec(buffer);
        if (!m) break;
        const end = m.index + m[0].length;
        const s = buffer.slice(0, end).trim();
        buffer = buffer.slice(end);
        if (s) out.push(s);
      }
      return out;
    },
    flush(): string[] {
      const s = buffer.trim();
      buffer = '';
      return s ? [s] : [];
    },
  };
}
