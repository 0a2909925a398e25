/** Summaries, action items and sentiment in domain terms. */
export interface ActionItem {
  title: string;
  /** "me" (the owner's task) or "them" (waiting on the other party). */
  owner?: string;
  /** When one was stated: an ISO instant (a day alone is noon that day in the owner's time zone). */
  dueDate?: string;
}

export interface CallSummary {
  summary: string;
  actionItems: ActionItem[];
  topics: string[];
  model: string;
}

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface SentimentResult {
  label: SentimentLabel;
  /** -1 (negative) to 1 (positive). */
  score: number;
  perSpeaker: Record<string, { label: SentimentLabel; score: number }>;
  model: string;
}

export interface LanguagePort {
  readonly name: string;
  summarize(input: {
    transcript: string;
    turns: { speaker: string; text: string }[];
    occurredAt: string;
    /** The caller's name when they are a contact: tasks name them. */
    callerName?: string;
    /** The owner's time zone: "by Friday" is Friday there. */
    timeZone?: string;
  }): Promise<CallSummary>;
  sentiment(input: { turns: { speaker: string; text: string }[] }): Promise<SentimentResult>;
}

export const labelFor = (score: number): SentimentLabel =>
  score > 0.05 ? 'positive' : score < -0.05 ? 'negative' : 'neutral';
