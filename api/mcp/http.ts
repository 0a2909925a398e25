/**
 * /mcp: the MCP tools over streamable HTTP, stateless (a server and transport per request, JSON
 * answers). The caller's own Authorization header is passed to the REST calls the tools make, in
 * process, so the tools see exactly what that API token sees.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Context } from 'hono';
import { createCommandCenterMcp, type RestCall } from './server.js';

/** A REST caller that sends requests into `fetchApp` with the given Authorization header. */
export function inProcessRest(
  fetchApp: (req: Request) => Response | Promise<Response>,
  authorization: string,
): RestCall {
  return async (method, path, body) => {
    const res = await fetchApp(
      new Request(`http://in-process${path}`, {
        method,
        headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      }),
    );
    return { status: res.status, json: (await res.json().catch(() => null)) as never };
  };
}

export function mcpHandler(fetchApp: (req: Request) => Response | Promise<Response>) {
  return async (c: Context) => {
    const server = createCommandCenterMcp(inProcessRest(fetchApp, c.req.header('authorization') ?? ''));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: 64 * 1024,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  };
}
