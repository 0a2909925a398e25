/**
 * The command center as MCP tools for an assistant (Claude Desktop and the like): read-only, each a
 * thin caller of the REST API with the caller's own API token, so the MCP surface can never see or
 * do more than the token can. Served over stdio (`npm run mcp`, to a running product) and over
 * streamable HTTP at /mcp (api/mcp/http.ts).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** One REST call: method, path (with query), optional JSON body; the status and parsed body. */
export type RestCall = (
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: { data?: unknown; message?: string } | null }>;

export const MCP_SERVER_NAME = 'command-center';

const text = (value: unknown) => ({
  content: [{ type: 'text' as const, text: typeof value === 'string' ? value : JSON.stringify(value, null, 1) }],
});
const failure = (message: string) => ({ ...text(message), isError: true });

const qs = (params: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};

export function createCommandCenterMcp(rest: RestCall, version = '0.1.0'): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version });
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

  async function data(method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await rest(method, path, body);
    if (res.status !== 200) {
      const why = res.json?.message ?? `HTTP ${res.status}`;
      return { error: `The command center refused ${method} ${path.split('?')[0]}: ${why}` };
    }
    return { data: res.json?.data };
  }

  server.registerTool(
    'ask',
    {
      title: 'Ask your calls',
      description:
        'Answer a question across every call and message (who said what, when, what is open or due), with citations to the calls. Says so when nothing relevant was said.',
      inputSchema: { question: z.string().min(1).max(500).describe('The question, in plain words') },
      annotations: readOnly,
    },
    async ({ question }) => {
      const r = await data('POST', '/api/ask', { question });
      if (r.error) return failure(r.error);
      const a = r.data as {
        answer: string;
        citations: { phoneRecordId?: string; messageId?: string; quote: string }[];
      };
      const cites = a.citations.map(
        (c, i) => `[${i + 1}] ${c.phoneRecordId ? `call ${c.phoneRecordId}` : `message ${c.messageId}`}: "${c.quote}"`,
      );
      return {
        ...text([a.answer, ...(cites.length ? ['', 'Sources:', ...cites] : [])].join('\n')),
        structuredContent: r.data as Record<string, unknown>,
      };
    },
  );

  server.registerTool(
    'search_calls',
    {
      title: 'Search calls and messages',
      description:
        'Hybrid (meaning and words) search over call transcripts, summaries and messages; best passage per call.',
      inputSchema: {
        query: z.string().min(1).max(500),
        limit: z.number().int().min(1).max(50).optional(),
        contactId: z.string().uuid().optional().describe('Only this contact'),
      },
      annotations: readOnly,
    },
    async ({ query, limit, contactId }) => {
      const r = await data('GET', `/api/search${qs({ q: query, limit: limit ?? 10, contactId })}`);
      return r.error ? failure(r.error) : text(r.data);
    },
  );

  server.registerTool(
    'get_call',
    {
      title: 'Get a call',
      description: 'One call: who, when, status, summary, action items, sentiment, transcript and its tasks.',
      inputSchema: { id: z.string().uuid().describe('The call (phone record) id, as search and ask cite it') },
      annotations: readOnly,
    },
    async ({ id }) => {
      const r = await data('GET', `/api/phone-records/${encodeURIComponent(id)}`);
      return r.error ? failure(r.error) : text(r.data);
    },
  );

  server.registerTool(
    'lookup_caller',
    {
      title: 'Look up a caller',
      description: 'Who a phone number or name is: the contact, their relationship score and recent history.',
      inputSchema: {
        phoneNumber: z.string().max(40).optional().describe('In any format'),
        name: z.string().max(200).optional(),
      },
      annotations: readOnly,
    },
    async ({ phoneNumber, name }) => {
      if (!phoneNumber && !name) return failure('Give a phoneNumber or a name.');
      const r = phoneNumber
        ? await data('GET', `/api/contacts/lookup/${encodeURIComponent(phoneNumber)}`)
        : await data('GET', `/api/contacts${qs({ q: name, limit: 10 })}`);
      return r.error ? failure(r.error) : text(r.data);
    },
  );

  server.registerTool(
    'list_tasks',
    {
      title: 'List tasks',
      description: 'Tasks, soonest due first. owner "me" is the owner\'s to do; "them" is waited on from the caller.',
      inputSchema: {
        status: z.enum(['open', 'in_progress', 'done', 'cancelled']).optional(),
        contactId: z.string().uuid().optional(),
        limit: z.number().int().min(1).max(100).optional(),
      },
      annotations: readOnly,
    },
    async ({ status, contactId, limit }) => {
      const r = await data('GET', `/api/tasks${qs({ status: status ?? 'open', contactId, limit: limit ?? 25 })}`);
      return r.error ? failure(r.error) : text(r.data);
    },
  );

  return server;
}
