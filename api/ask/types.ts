/** What "ask your calls" answers with, and the writer an Anthropic key brings. */

export interface Citation {
  phoneRecordId?: string;
  messageId?: string;
  /** The words cited, as said (or the fact, for structured answers). */
  quote: string;
  /** Where the quote starts in the call's recording. */
  startMs?: number;
}

export type AnswerMode = 'facts' | 'passages' | 'claude' | 'none';

export interface Answer {
  answer: string;
  citations: Citation[];
  /** facts: from queries; passages: the best sentences themselves; claude: written by Claude from them; none: nothing relevant. */
  mode: AnswerMode;
  /** Set when the writer failed and the answer is the passages themselves. */
  degraded?: string;
}

/** One retrieved passage, numbered for the writer to cite. */
export interface NumberedPassage {
  n: number;
  who: string;
  when: string;
  text: string;
}

/** Writes an answer from numbered passages and says which it used (Claude with a key). */
export interface AnswerWriter {
  readonly model: string;
  write(input: { question: string; today: string; passages: NumberedPassage[] }): Promise<{
    answer: string;
    cited: number[];
  }>;
}
