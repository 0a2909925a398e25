/** Claude through the official SDK, with structured output via a forced tool call. */
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { ProviderError, toProviderError } from '../errors.js';
import type { LanguagePort } from './port.js';
import { labelFor } from './port.js';
import { wallClock } from '../../../platform/when.js';

/** A stated day as noon in the owner's time zone (the offline engine's convention). */
function noonIn(day: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? wallClock(Number(m[1]), Number(m[2]), Number(m[3]), 12, 0, timeZone).toISOString() : day;
}

const summarySchema = z.object({
  summary: z.string().min(1),
  action_items: z
    .array(z.object({ title: z.string().min(1), owner: z.string().optional(), due_date: z.string().optional() }))
    .default([]),
  topics: z.array(z.string()).default([]),
});
const sentimentSchema = z.object({
  score: z.number().min(-1).max(1),
  per_speaker: z.record(z.string(), z.number().min(-1).max(1)).default({}),
});

const transcriptOf = (turns: { speaker: string; text: string }[]) =>
  turns.map((t) => `${t.speaker}: ${t.text}`).join('\n');

export function createAnthropicLanguage(options: { apiKey: string; baseUrl?: string; model: string }): LanguagePort {
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 0, timeout: 120_000 });
  async function toolCall<T>(
    name: string,
    schema: z.ZodType<T>,
    inputSchema: Record<string, unknown>,
    prompt: string,
  ): Promise<T> {
    let res: Anthropic.Message;
    try {
      res = await client.messages.create({
        model: options.model,
        max_tokens: 1500,
        tools: [
          {
            name,
            description: `Record the ${name} of the call.`,
            input_schema: inputSchema as Anthropic.Tool.InputSchema,
          },
        ],
        tool_choice: { type: 'tool', name },
        messages: [{ role: 'user', content: prompt }],
      });
    } catch (err) {
      throw toProviderError('anthropic', err);
    }
    const block = res.content?.find((b) => b.type === 'tool_use');
    const parsed = schema.safeParse(block && 'input' in block ? block.input : undefined);
    if (!parsed.success)
      throw new ProviderError('anthropic: structured output did not match the schema', false, 'anthropic');
    return parsed.data;
  }
  return {
    name: 'anthropic',
    async summarize({ turns, occurredAt, callerName, timeZone }) {
      const out = await toolCall(
        'call_summary',
        summarySchema,
        {
          type: 'object',
          properties: {
            summary: {
              type: 'string',
              description:
                'At most three sentences: who called, about what, what was agreed. Never a copy of the transcript.',
            },
            action_items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  title: {
                    type: 'string',
                    description:
                      'Imperative, third person, naming the caller: "Send Dana Whitfield the revised quote"; for "them": "Dana emails photos of the gutters tonight"',
                  },
                  owner: {
                    type: 'string',
                    enum: ['me', 'them'],
                    description: '"me": the phone owner must do it; "them": the caller promised it (waiting on)',
                  },
                  due_date: { type: 'string', description: "YYYY-MM-DD in the owner's time zone, if stated" },
                },
                required: ['title'],
              },
            },
            topics: { type: 'array', items: { type: 'string' } },
          },
          required: ['summary', 'action_items', 'topics'],
        },
        [
          `The call took place on ${occurredAt}${timeZone ? ` (the owner's time zone is ${timeZone})` : ''}.`,
          `"owner" is the phone owner; the other party is ${callerName ? `the caller, ${callerName}` : 'the caller'}.`,
          'Summarise it and list action items.',
          '',
          transcriptOf(turns),
        ].join('\n'),
      );
      return {
        summary: out.summary,
        actionItems: out.action_items.map((a) => ({
          title: a.title,
          owner: a.owner,
          dueDate: a.due_date && timeZone ? noonIn(a.due_date, timeZone) : a.due_date,
        })),
        topics: out.topics,
        model: options.model,
      };
    },
    async sentiment({ turns }) {
      const out = await toolCall(
        'call_sentiment',
        sentimentSchema,
        {
          type: 'object',
          properties: {
            score: { type: 'number', minimum: -1, maximum: 1 },
            per_speaker: { type: 'object', additionalProperties: { type: 'number' } },
          },
          required: ['score'],
        },
        `Rate the sentiment of this call from -1 to 1, overall and per speaker.\n\n${transcriptOf(turns)}`,
      );
      const perSpeaker = Object.fromEntries(
        Object.entries(out.per_speaker).map(([k, v]) => [k, { label: labelFor(v), score: v }]),
      );
      return { label: labelFor(out.score), score: out.score, perSpeaker, model: options.model };
    },
  };
}
