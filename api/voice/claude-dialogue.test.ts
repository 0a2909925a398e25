/**
 * Claude as the receptionist, through the official SDK's streaming API against the fake speaking
 * the Messages API's server-sent events: the tools run here against the calendar, what Claude may
 * not promise is never spoken, and a turn Claude fails is answered by the offline dialogue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../activities/providers/fakes/vendors.js';
import type { FakeServer } from '../../activities/providers/fakes/server.js';
import type { ChatBlock, ChatMessage } from '../../activities/providers/voice/port.js';
import { createClaudeConversation } from '../../activities/providers/voice/claude.js';
import { createClaudeDialogue } from './claude-dialogue.js';
import type { DialogueEvent } from './dialogue.js';
import type { ReceptionistSetup } from './receptionist.js';

// Wednesday 2 December 2026, 15:00 in Chicago.
const NOW = new Date('2026-12-02T21:00:00Z');
const setup = (busy: ReceptionistSetup['busy'] = []): ReceptionistSetup => ({
  ownerName: 'Marco',
  timeZone: 'America/Chicago',
  now: () => NOW,
  caller: { name: 'Dana Whitfield', openTasks: ['Send the revised quote'] },
  busy,
  canTransfer: false,
});

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const userTexts = (messages: ChatMessage[]) =>
  messages.filter((m) => m.role === 'user' && typeof m.content === 'string').map((m) => m.content as string);
const lastToolResult = (messages: ChatMessage[]) => {
  const last = messages.at(-1);
  return Array.isArray(last?.content) ? last.content.find((b) => b.type === 'tool_result') : undefined;
};

async function turn(d: ReturnType<typeof createClaudeDialogue>, text: string) {
  const events: DialogueEvent[] = [];
  for await (const e of d.hear(text, new AbortController().signal)) events.push(e);
  return {
    said: events.flatMap((e) => (e.type === 'say' ? [e.text] : [])),
    milestones: events.flatMap((e) => (e.type === 'milestone' ? [e.milestone] : [])),
    end: events.find((e) => e.type === 'end'),
  };
}

describe('Claude as the receptionist (streamed, with tools)', () => {
  it('checks the calendar, books the callback into a free slot, takes the message and says goodbye', async () => {
    const seen: { system: string; messages: ChatMessage[] }[] = [];
    fake = await startFakeAnthropic({
      converse: (req): ChatBlock[] => {
        seen.push(req);
        const said = userTexts(req.messages).length; // the connection note, then the caller's turns
        const result = lastToolResult(req.messages);
        if (result?.type === 'tool_result') {
          const booked = /^Booked: Marco calls back (.+)\. Read/.exec(result.content);
          if (booked) return [{ type: 'text', text: `Marco will call you back ${booked[1]}. Is that right?` }];
          if (result.content.includes('busy then'))
            return [{ type: 'tool_use', id: 'toolu_2', name: 'book_callback', input: { when: 'tomorrow at 11 am' } }];
          if (result.content.startsWith('The message is recorded'))
            return [{ type: 'text', text: 'Thanks Dana. Goodbye!' }];
          return [{ type: 'text', text: `${result.content} Can I take a message?` }];
        }
        if (said === 2) return [{ type: 'tool_use', id: 'toolu_1', name: 'check_availability', input: {} }];
        if (said === 3)
          return [
            { type: 'text', text: 'Let me see. ' },
            { type: 'tool_use', id: 'toolu_3', name: 'book_callback', input: { when: 'tomorrow at nine' } },
          ];
        return [
          {
            type: 'tool_use',
            id: 'toolu_4',
            name: 'take_message',
            input: { caller_name: 'Dana Whitfield', about: 'the roof estimate' },
          },
        ];
      },
    });
    const model = createClaudeConversation({ apiKey: 'sk-ant-test', baseUrl: fake.url, model: 'claude-haiku-4-5' });
    // Busy 9:00-10:30 tomorrow: nine is taken, the next free slot is offered.
    const d = createClaudeDialogue({
      model,
      setup: setup([{ start: new Date('2026-12-03T15:00:00Z'), end: new Date('2026-12-03T16:30:00Z') }]),
      lastCallAt: new Date('2026-11-20T16:00:00Z'),
    });
    expect(d.greeting()).toMatch(/^Hello Dana, you have reached Marco\./);

    const t1 = await turn(d, 'Hi, is Marco around?');
    expect(t1.said.join(' ')).toBe(
      "Marco has nothing on the calendar until tomorrow at 9 AM, but can't pick up right now. Can I take a message?",
    );
    expect(seen[0]!.system).toContain('The caller is Dana Whitfield');
    expect(seen[0]!.system).toContain('Open with them: Send the revised quote');
    expect(seen[0]!.system).toContain('They last called on');
    expect(seen[0]!.system).toMatch(/Wednesday, December 2/);

    const t2 = await turn(d, 'Can he call me back tomorrow at nine about the roof estimate?');
    expect(t2.said).toEqual(['Let me see.', 'Marco will call you back tomorrow at 11 AM.', 'Is that right?']);
    // Nine was busy: the tool said so and booked nothing; 11 is free and was booked.
    expect(t2.milestones).toEqual([{ kind: 'callback_booked', at: '2026-12-03T17:00:00.000Z' }]);
    expect(t2.end).toBeUndefined();

    const t3 = await turn(d, 'Yes, that is right.');
    expect(t3.said).toEqual(['Thanks Dana.', 'Goodbye!']);
    expect(t3.milestones).toEqual([
      {
        kind: 'message_taken',
        message: {
          name: 'Dana Whitfield',
          about: 'the roof estimate',
          urgency: 'normal',
          callbackAt: '2026-12-03T17:00:00.000Z',
          callbackSpoken: 'tomorrow at 11 AM',
        },
      },
    ]);
    expect(t3.end).toEqual({ type: 'end', end: 'done' });
    // The history Claude saw: tool results answered every tool call, in order.
    const last = seen.at(-1)!.messages;
    expect(last.map((m) => m.role).join(' ')).toBe(
      'user assistant user assistant user assistant user assistant user assistant user assistant user assistant user',
    );
    for (const [i, m] of last.entries()) {
      const uses = Array.isArray(m.content) ? m.content.filter((b) => b.type === 'tool_use') : [];
      const next = last[i + 1]?.content;
      for (const u of uses)
        expect(Array.isArray(next) && next.some((b) => b.type === 'tool_result' && b.tool_use_id === u.id)).toBe(true);
    }
  });

  it("never says a price or an appointment change on the owner's behalf", async () => {
    fake = await startFakeAnthropic({
      converse: () => [
        {
          type: 'text',
          text: 'Sure. The repair will cost $450. I have moved your appointment to Friday. Anything else?',
        },
      ],
    });
    const d = createClaudeDialogue({
      model: createClaudeConversation({ apiKey: 'k', baseUrl: fake.url, model: 'claude-haiku-4-5' }),
      setup: setup(),
    });
    const t = await turn(d, 'How much is the repair, and can you move my appointment?');
    expect(t.said).toEqual([
      'Sure.',
      "I can't answer that for Marco, but I'll pass the question on.",
      'Anything else?',
    ]);
  });

  it('answers with the offline dialogue when Claude fails or is too slow, and keeps it for the call', async () => {
    fake = await startFakeAnthropic({ firstTokenMs: 0 });
    const failures: string[] = [];
    const d = createClaudeDialogue({
      model: createClaudeConversation({ apiKey: 'k', baseUrl: fake.url, model: 'claude-haiku-4-5' }),
      setup: setup(),
      firstEventMs: 500,
      onFallback: (err) => failures.push(err.message),
    });
    expect((await turn(d, 'Hi there.')).said).toEqual(['Thank you.', 'I will pass that on.']);
    fake.failNext({ kind: 'status', status: 529 });
    const t = await turn(d, 'It is about the roof estimate.');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/529/);
    expect(t.said.join(' ')).toMatch(/When is a good time for Marco to call you back\?/);
    expect(d.name).toMatch(/^offline dialogue/);
    const requests = fake.requests.length;
    const t2 = await turn(d, 'Tomorrow at nine.');
    expect(t2.said.join(' ')).toBe(
      'So Marco will call you back tomorrow at 9 AM about the roof estimate. Is that right?',
    );
    expect(fake.requests.length).toBe(requests);

    const slow = await startFakeAnthropic({ firstTokenMs: 1500 });
    const d2 = createClaudeDialogue({
      model: createClaudeConversation({ apiKey: 'k', baseUrl: slow.url, model: 'claude-haiku-4-5' }),
      setup: setup(),
      firstEventMs: 300,
      onFallback: (err) => failures.push(err.message),
    });
    const started = performance.now();
    const t3 = await turn(d2, 'It is about the roof estimate.');
    expect(performance.now() - started).toBeLessThan(1200);
    expect(failures.at(-1)).toContain('no answer within 300 ms');
    expect(t3.said.join(' ')).toMatch(/When is a good time for Marco to call you back\?/);
    await slow.close();
  });
});
