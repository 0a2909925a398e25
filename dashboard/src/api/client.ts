/**
 * The dashboard's only way to the server: openapi-fetch typed by the API's own OpenAPI document
 * (schema.d.ts, generated). The session cookie travels by itself; changes carry the CSRF header.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

export const api = createClient<paths>({
  baseUrl: '',
  credentials: 'same-origin',
  headers: { 'x-requested-with': 'command-center' },
});

export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Signed out (or the session expired): every page sends the person to sign in. */
let onSignedOut: () => void = () => {};
export const whenSignedOut = (f: () => void) => (onSignedOut = f);

/** What a successful answer's envelope carries in `data`. */
type EnvelopeData<R> = Extract<R, { data: object }>['data'] extends { data: infer T } ? T : never;
type Answer = { data?: unknown; error?: unknown; response: Response };

/** The body of a successful answer; else an ApiFailure with the server's message (401 signs out). */
async function settle(call: Promise<Answer>): Promise<unknown> {
  let result: Answer;
  try {
    result = await call;
  } catch {
    throw new ApiFailure('The server cannot be reached. Is the product running?', 0);
  }
  const { data, error, response } = result;
  if (response.status === 401) {
    onSignedOut();
    throw new ApiFailure('Signed out', 401, 'unauthorized');
  }
  if (error !== undefined || !response.ok) {
    const e = error as { message?: string; error?: { code?: string } } | undefined;
    throw new ApiFailure(e?.message ?? `The server answered ${response.status}`, response.status, e?.error?.code);
  }
  return data;
}

/** The whole body of a successful answer (for fields beside `data`, such as a list's `unreadCount`). */
export async function body<R extends Answer>(call: Promise<R>): Promise<Extract<R, { data: object }>['data']> {
  return (await settle(call)) as Extract<R, { data: object }>['data'];
}

/** The `data` of an envelope. */
export async function unwrap<R extends Answer>(call: Promise<R>): Promise<EnvelopeData<R>> {
  return ((await settle(call)) as { data: EnvelopeData<R> }).data;
}

/** A list envelope: the page and the cursor of the next one. */
export async function unwrapPage<T>(call: Promise<Answer>): Promise<{ items: T[]; nextCursor: string | null }> {
  const body = (await settle(call)) as { data: T[]; pagination: { nextCursor: string | null } };
  return { items: body.data, nextCursor: body.pagination.nextCursor };
}

export async function signIn(token: string): Promise<void> {
  const res = await fetch('/auth/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
    credentials: 'same-origin',
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiFailure(body.message ?? `Sign-in failed (${res.status})`, res.status);
  }
}

export async function signOut(): Promise<void> {
  await fetch('/auth/session', { method: 'DELETE', credentials: 'same-origin' });
}
