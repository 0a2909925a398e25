/**
 * The one Hono environment of every router in this process: the request id (Hono's `requestId`
 * middleware sets it on every request) and, on the Telnyx webhook routes, the verified raw body
 * (set by the signature middleware before any handler runs).
 */
import type { RequestIdVariables } from 'hono/request-id';

export type VerifiedBody = { raw: Uint8Array; text: string };

export type AppEnv = { Variables: RequestIdVariables & { verified: VerifiedBody } };
