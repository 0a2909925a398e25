/**
 * Claude writing answers across calls from numbered passages, with the passages it used (forced
 * tool call, like the summaries). The caller checks the citations against what it was given.
 */
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { ProviderError, toProviderError } from '../errors.js';

const answerSchema = z.object({
  answer: z.string(),
  cited: z.array(z.number().int()).default([]),
});

export interface PassageForAnswer {
  n: number;
  who: string;
  when: string;
  text: string;
}

export function createAnthropicAnswerWriter(options: { apiKey: string; baseUrl?: string; model: string }) {
  const client = new Anthropic({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 1, timeout: 20_000 });
  return {
    model: options.model,
    async write(input: { question: string; today: string; passages: PassageForAnswer[] }) {
      const prompt = [
        `Today is ${input.today}. The owner of a phone line asks: "${input.question}"`,
        'Answer in one to three sentences using only these passages from their calls and messages.',
        'Cite every passage you rely on by its number. If they do not answer the question, say so and cite nothing.',
        '',
        ...input.passages.map((p) => `[${p.n}] ${p.who}, ${p.when}: ${p.text}`),
      ].join('\n');
      let res: Anthropic.Message;
      try {
        res = await client.messages.create({
          model: options.model,
          max_tokens: 600,
          tools: [
            {
              name: 'answer',
              description: 'Record the answer and the passage numbers it relies on.',
              input_schema: {
                type: 'object',
                properties: {
                  answer: { type: 'string' },
                  cited: { type: 'array', items: { type: 'integer' }, description: 'Numbers of the passages used' },
                },
                required: ['answer', 'cited'],
              },
            },
          ],
          tool_choice: { type: 'tool', name: 'answer' },
          messages: [{ role: 'user', content: prompt }],
        });
      } catch (err) {
        throw toProviderError('anthropic', err);
      }
      const block = res.content?.find((b) => b.type === 'tool_use');
      const parsed = answerSchema.safeParse(block && 'input' in block ? block.input : undefined);
      if (!parsed.success)
        throw new ProviderError('anthropic: the answer did not match the schema', false, 'anthropic');
      return parsed.data;
    },
  };
}
