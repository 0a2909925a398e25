/**
 * The one thing every operator script shares: a call to the command center's REST API.
 * Imported by the other scripts; run alone, `main` tests the resource.
 * Resource type `command_center_api`: { base_url, token } (create it once in the workspace).
 */
export type CommandCenterApi = { base_url: string; token: string };

type Envelope<T> = {
  data: T;
  success: boolean;
  message?: string;
  error?: { code: string; fields?: Record<string, string> };
};

/**
 * Tell Uptime Kuma a scheduled run finished (its push monitor for this schedule): `up` after a
 * success, `down` with the reason from the error handler. No URL, no ping.
 */
export async function heartbeat(url: string | undefined, status: 'up' | 'down', msg: string): Promise<void> {
  if (!url) return;
  const u = new URL(url);
  u.searchParams.set('status', status);
  u.searchParams.set('msg', msg.slice(0, 200));
  const res = await fetch(u, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`heartbeat ${u.host}: ${res.status}`);
}

/** Call the API and return `data`; a non-2xx answer throws with the API's message and code. */
export async function callApi<T>(api: CommandCenterApi, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${api.base_url.replace(/\/$/, '')}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Envelope<T>;
  if (!res.ok || !json.success)
    throw new Error(`${method} ${path}: ${res.status} ${json.error?.code ?? ''} ${json.message ?? ''}`.trim());
  return json.data;
}

/** Run on its own: a connection test of the `command_center_api` resource (the API's setup status). */
export async function main(api: CommandCenterApi) {
  return callApi<Record<string, unknown>>(api, 'GET', '/api/setup');
}
