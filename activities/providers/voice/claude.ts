/**
 * Claude as the receptionist's conversation, through the official SDK's streaming Messages API:
 * text deltas are handed on as they arrive (the session speaks sentence by sentence), and a tool
 * call is handed on once its input JSON is complete. No retries inside a turn: a caller is
 * waiting, so a failure goes to the caller of `stream`, which answers with the offline dialogue.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ProviderError, toProviderError } from '../errors.js';
import type { ConversationModel, ModelEvent } from './port.js';

export function createClaudeConversation(o: { apiKey: string; baseUrl?: string; model: string }): ConversationModel {
  const client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseUrl, maxRetries: 0, timeout: 15_000 });
  return {
    name: `anthropic:${o.model}`,
    async *stream(req, signal): AsyncIterable<ModelEvent> {
      let events: AsyncIterable<Anthropic.RawMessageStreamEvent>;
      try {
        events = await client.messages.create(
          {
            model: o.model,
            max_tokens: req.maxTokens,
            system: req.system,
            tools: req.tools.map((t) => ({ ...t, input_schema: t.input_schema as Anthropic.Tool.InputSchema })),
            messages: req.messages as Anthropic.MessageParam[],
            stream: true,
          },
          { signal },
        );
      } catch (err) {
        throw toProviderError('anthropic', err);
      }
      const tools = new Map<number, { id: string; name: string; json: string }>();
      try {
        for await (const e of events) {
          if (e.type === 'content_block_start' && e.content_block.type === 'tool_use')
            tools.set(e.index, { id: e.content_block.id, name: e.content_block.name, json: '' });
          else if (e.type === 'content_block_delta' && e.delta.type === 'text_delta')
            yield { type: 'text', text: e.delta.text };
          else if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') {
            const t = tools.get(e.index);
            if (t) t.json += e.delta.partial_json;
          } else if (e.type === 'content_block_stop' && tools.has(e.index)) {
            const t = tools.get(e.index)!;
            let input: unknown;
            try {
              input = t.json.trim() ? JSON.parse(t.json) : {};
            } catch {
              throw new ProviderError('anthropic: a tool call whose input is not JSON', false, 'anthropic');
            }
            if (!input || typeof input !== 'object' || Array.isArray(input))
              throw new ProviderError('anthropic: a tool call whose input is not an object', false, 'anthropic');
            yield { type: 'tool_use', id: t.id, name: t.name, input: input as Record<string, unknown> };
          }
        }
      } catch (err) {
        if (err instanceof ProviderError) throw err;
        throw toProviderError('anthropic', err);
      }
    },
  };
}
