/** Claude through the official SDK, with structured output via a forced tool call. */
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { ProviderError, toProviderError } from '../errors.js';
import type { LanguagePort } from './port.js';
import { labelFor } from './port.js';

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
    async summarize({ turns, occurredAt }) {
      const out = await toolCall(
        'call_summary',
        summarySchema,
        {
          type: 'object',
          properties: {
            summary: { type: 'string', description: 'Two to four sentences.' },
            action_items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  title: { type: 'string' },
                  owner: { type: 'string', description: '"me" for the phone owner, "them" for the caller, or a name' },
                  due_date: { type: 'string', description: 'YYYY-MM-DD if stated' },
                },
                required: ['title'],
              },
            },
            topics: { type: 'array', items: { type: 'string' } },
          },
          required: ['summary', 'action_items', 'topics'],
        },
        `The call took place on ${occurredAt}. "owner" is the phone owner. Summarise it and list action items.\n\n${transcriptOf(turns)}`,
      );
      return {
        summary: out.summary,
        actionItems: out.action_items.map((a) => ({ title: a.title, owner: a.owner, dueDate: a.due_date })),
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
