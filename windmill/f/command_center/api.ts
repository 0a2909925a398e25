/**
 * The one thing every operator script shares: a call to the command center's REST API.
 * Resource type `command_center_api`: { base_url, token } (create it once in the workspace).
 */
export type CommandCenterApi = { base_url: string; token: string };

type Envelope<T> = {
  data: T;
  success: boolean;
  message?: string;
  error?: { code: string; fields?: Record<string, string> };
};

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
