/**
 * `npm run mcp`: the command center's MCP tools over stdio, for an assistant on this machine
 * (Claude Desktop starts it as a command). It speaks to the running product's REST API at
 * MCP_TARGET_URL (default http://127.0.0.1:PORT) with the first of API_TOKENS, or the embedded
 * instance's token from the data folder. stdout carries the protocol only; messages go to stderr.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfigOrExit } from '../config.js';
import { createCommandCenterMcp, type RestCall } from '../api/mcp/server.js';

const config = loadConfigOrExit('embedded');
const tokenFile = path.join(config.dataDir, 'api-token');
const token = config.apiTokens[0] ?? (await readFile(tokenFile, 'utf8').catch(() => '')).trim();
if (!token) {
  process.stderr.write(
    `[command-center mcp] no API token: set API_TOKENS, or start the product once (npm start) so ${tokenFile} exists.\n`,
  );
  process.exit(1);
}
const base = config.http.mcpTargetUrl;

const rest: RestCall = async (method, p, body) => {
  try {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, json: (await res.json().catch(() => null)) as never };
  } catch (err) {
    const why = (err as Error).name === 'TimeoutError' ? 'no answer in 30 s' : 'not reachable';
    return { status: 503, json: { message: `the command center at ${base} is ${why}; is it running?` } };
  }
};

const server = createCommandCenterMcp(rest);
await server.connect(new StdioServerTransport());
process.stderr.write(`[command-center mcp] serving over stdio for ${base}\n`);
