/**
 * Telnyx webhook endpoints. Every request: streamed size limit (413) -> Ed25519 over the raw bytes (401,
 * nothing written) -> parse (400 with the reason) -> one insert into the inbox (committed) -> 200,
 * and the inbox relay hands the event to Temporal afterwards. A webhook never waits on Temporal; 503
 * only when the inbox itself cannot be written, so Telnyx retries or fails over.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { CountryCode } from 'libphonenumber-js';
import type { KeyObject } from 'node:crypto';
import type { Database } from '../../../db/client.js';
import { normaliseParty } from '../../../platform/phone.js';
import { findContactByPhone } from '../../../db/queries/contacts.js';
import { ApiError, errorResponse } from '../../errors.js';
import type { AppEnv, VerifiedBody } from '../../env.js';
import { PayloadError, parseCallControl, parseMessaging, parseTexmlForm, texmlToCallEvent } from './normalize.js';
import { answerTexml, fallbackTexml, hangupTexml } from './texml.js';
import { voiceSessionOfControl } from '../../../db/queries/voice.js';
import { STREAM_PATH } from '../../voice/service.js';
import { verifyTelnyxSignature } from './verify.js';
import { webhookEvents } from '../../../platform/metrics.js';
import { enqueueEvent, type InboxEvent } from '../../../db/queries/inbox.js';
import { inFrontLane } from '../../../db/lanes.js';
import { errorKind, type InboxRelay } from './relay.js';
import { callWorkflowId, messageWorkflowId } from '../../../temporal.config.js';
import type { CallEvent } from '../../../contract/index.js';
import { greetingText } from '../../../platform/greeting.js';
import type { Logger } from '../../../platform/logger.js';

export interface TelnyxWebhookDeps {
  publicKey: KeyObject;
  db: Database;
  /** Kicked after each stored event: it hands the inbox to Temporal. */
  relay: Pick<InboxRelay, 'kick'>;
  log: Logger;
  maxBytes: number;
  publicBaseUrl: string;
  ownerName: string;
  /** Where Telnyx opens the media stream: ws(s)://host (AI_SERVICE_HOST, else PUBLIC_BASE_URL's host). */
  streamBase: string;
  /** The live receptionist (absent when RECEPTIONIST=off: calls are greeted and recorded only). */
  voice?: { mint(call: { callControlId: string; callSessionId: string; contactId?: string | null }): Promise<string> };
  /** Region for numbers that arrive without a country code. */
  region: CountryCode;
}

const isForm = (c: Context) => (c.req.header('content-type') ?? '').includes('application/x-www-form-urlencoded');

/** Signatures of accepted requests, kept for longer than the ±5 minute signature window (bounded). */
function replayGuard(keepMs: number, max = 100_000) {
  const accepted = new Map<string, number>();
  return {
    seen(signature: string) {
      const at = accepted.get(signature);
      return at !== undefined && Date.now() - at < keepMs;
    },
    remember(signature: string) {
      if (accepted.size >= max) {
        const cutoff = Date.now() - keepMs;
        for (const [k, at] of accepted) if (at < cutoff) accepted.delete(k);
        if (accepted.size >= max) accepted.clear();
      }
      accepted.set(signature, Date.now());
    },
  };
}

const xml = (c: Context, body: string) => c.body(body, 200, { 'content-type': 'application/xml' });

export function telnyxWebhooks(deps: TelnyxWebhookDeps) {
  const app = new Hono<AppEnv>();
  const recordingCallback = `${deps.publicBaseUrl}/webhooks/telnyx/recording`;
  const afterStreamUrl = `${deps.publicBaseUrl}/webhooks/telnyx/voice/after-stream`;

  /**
   * Every webhook: the body is counted as it streams in and refused (413) past the limit, with or
   * without a Content-Length, before anything reads it whole; then the Ed25519 signature over the
   * raw bytes (401, nothing written). Handlers get the verified body from `c.get('verified')`.
   */
  const tooLarge = (c: Context) => {
    webhookEvents.inc({ outcome: 'rejected', reason: 'too_large' });
    return errorResponse(c, new ApiError(413, 'payload_too_large', `body over ${deps.maxBytes} bytes`));
  };
  app.use('*', bodyLimit({ maxSize: deps.maxBytes, onError: tooLarge }));
  // Telnyx (and on a fetch, the caller) waits on these queries: ahead of the worker's (db/lanes.ts).
  app.use('*', (_c, next) => inFrontLane(next));
  app.use('*', async (c, next) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (raw.length > deps.maxBytes) return tooLarge(c);
    const result = verifyTelnyxSignature(
      deps.publicKey,
      raw,
      c.req.header('telnyx-signature-ed25519'),
      c.req.header('telnyx-timestamp'),
    );
    if (!result.ok) {
      deps.log.warn('webhook signature rejected', { path: c.req.path, reason: result.reason });
      webhookEvents.inc({ outcome: 'rejected', reason: 'signature' });
      throw new ApiError(401, 'invalid_signature', `Invalid webhook signature: ${result.reason}`);
    }
    c.set('verified', { raw, text: Buffer.from(raw).toString('utf8') });
    // A signed request is good for the whole signature window, on any path: one that was already
    // accepted is acknowledged and not delivered again (a replay, or a retry of a lost answer).
    // TeXML instruction fetches are answered each time; they must get their document.
    // Keyed on the decoded signature (the header was checked to be canonical base64 above).
    const signature = Buffer.from(c.req.header('telnyx-signature-ed25519')!, 'base64').toString('hex');
    const isFetch = isForm(c) && /\/voice(\/incoming)?$/.test(c.req.path);
    if (!isFetch && replays.seen(signature)) {
      webhookEvents.inc({ outcome: 'duplicate', reason: '' });
      return c.json({ received: true, duplicate: true });
    }
    await next();
    if (!isFetch && c.res.status === 200) replays.remember(signature);
  });
  const verified = (c: Context<AppEnv>): VerifiedBody => c.get('verified');
  const replays = replayGuard(10 * 60_000);

  const malformed = (c: Context, err: unknown) => {
    if (!(err instanceof PayloadError) && !(err instanceof SyntaxError)) throw err;
    deps.log.warn('malformed webhook body', { path: c.req.path, reason: err.message });
    webhookEvents.inc({ outcome: 'rejected', reason: 'payload' });
    throw new ApiError(400, 'malformed_payload', `Malformed webhook body: ${err.message}`);
  };

  /**
   * Commit the event to the inbox and kick the relay; throws a 503 (so Telnyx retries) only when
   * the inbox cannot be written. A redelivery is absorbed by the insert; an event of a call or text
   * the owner erased is acknowledged and not stored.
   */
  async function accept(c: Context, item: InboxEvent): Promise<void> {
    let outcome;
    try {
      outcome = await enqueueEvent(deps.db, item);
    } catch (err) {
      deps.log.error('the webhook inbox could not be written', { path: c.req.path, reason: errorKind(err) });
      webhookEvents.inc({ outcome: 'unavailable', reason: '' });
      throw new ApiError(503, 'inbox_unavailable', 'The event could not be stored; retry later');
    }
    if (outcome === 'erased')
      deps.log.info('event for an erased call or text acknowledged, not stored', { path: c.req.path });
    webhookEvents.inc({ outcome, reason: '' });
    if (outcome === 'stored') deps.relay.kick();
  }
  const callItem = (event: CallEvent): InboxEvent => ({
    eventId: event.eventId,
    kind: 'call',
    workflowId: callWorkflowId(event.callSessionId),
    payload: event,
  });

  async function callControl(c: Context, v: VerifiedBody) {
    let parsed;
    try {
      parsed = parseCallControl(JSON.parse(v.text), deps.region);
    } catch (err) {
      return malformed(c, err);
    }
    if (!parsed.event) {
      deps.log.info('webhook event type ignored', { eventType: parsed.eventType });
      webhookEvents.inc({ outcome: 'ignored', reason: '' });
      return c.json({ received: true, ignored: parsed.eventType });
    }
    const event = parsed.event;
    await accept(c, callItem(event));
    return c.json({ received: true });
  }

  async function texmlCallback(c: Context, v: VerifiedBody, kind: 'fetch' | 'status' | 'recording') {
    let fields;
    try {
      fields = parseTexmlForm(v.text);
    } catch (err) {
      return malformed(c, err);
    }
    const event = texmlToCallEvent(fields, kind, new Date(), deps.region);
    const respond = async () => {
      if (kind !== 'fetch') return c.json({ received: true });
      const caller = await callerOf(fields.From);
      let stream: { url: string; afterUrl: string } | undefined;
      if (deps.voice && event) {
        try {
          const token = await deps.voice.mint({
            callControlId: fields.CallControlId ?? fields.CallSid,
            callSessionId: event.callSessionId,
            contactId: caller?.id,
          });
          stream = { url: `${deps.streamBase}${STREAM_PATH}/${token}`, afterUrl: afterStreamUrl };
        } catch (err) {
          // Without a token the call is still answered: greeted and recorded, as without the receptionist.
          deps.log.error('receptionist: could not mint a stream token; answering without it', {
            code: (err as { code?: string }).code ?? (err as Error).name,
          });
        }
      }
      return xml(
        c,
        answerTexml({
          greeting: greetingText(caller?.firstName ?? undefined, deps.ownerName),
          recordingCallbackUrl: recordingCallback,
          stream,
        }),
      );
    };
    if (event) await accept(c, callItem(event));
    return respond();
  }

  /** The contact calling, when known (a failed lookup answers without a name, never without an answer). */
  async function callerOf(from: string | undefined) {
    const party = normaliseParty(from, deps.region);
    if (!party.e164) return null;
    try {
      return await findContactByPhone(deps.db, party.e164);
    } catch (err) {
      // The driver's message quotes the statement and its parameters (the caller's number): log its code only.
      deps.log.warn('caller lookup failed; greeting without a name', {
        code: (err as { code?: string }).code ?? (err as Error).name,
      });
      return null;
    }
  }

  /**
   * Where TeXML goes when the media stream ends: a conversation that finished hangs up; a stream
   * that never connected or dropped mid-call (the API process died) falls back to voicemail, so the
   * caller is never left in silence.
   */
  async function afterStream(c: Context<AppEnv>) {
    let fields;
    try {
      fields = parseTexmlForm(verified(c).text);
    } catch (err) {
      return malformed(c, err);
    }
    let finished = false;
    try {
      const session = await voiceSessionOfControl(deps.db, fields.CallControlId ?? fields.CallSid);
      finished = Boolean(session?.outcome && session.outcome.result !== 'dropped');
    } catch (err) {
      deps.log.error('receptionist: could not read the conversation; falling back to voicemail', {
        code: (err as { code?: string }).code ?? (err as Error).name,
      });
    }
    return xml(c, finished ? hangupTexml() : fallbackTexml(recordingCallback));
  }

  const voice = (c: Context<AppEnv>) =>
    isForm(c) ? texmlCallback(c, verified(c), 'fetch') : callControl(c, verified(c));
  const status = (c: Context<AppEnv>) =>
    isForm(c) ? texmlCallback(c, verified(c), 'status') : callControl(c, verified(c));
  const recording = (c: Context<AppEnv>) =>
    isForm(c) ? texmlCallback(c, verified(c), 'recording') : callControl(c, verified(c));

  app.post('/voice', voice);
  app.post('/status', status);
  app.post('/recording', recording);
  // The original guide's paths stay as aliases: each accepts the same formats as the main endpoints.
  app.post('/voice/incoming', voice);
  app.post('/voice/answered', status);
  app.post('/voice/hangup', status);
  app.post('/voice/status', status);
  app.post('/voice/recording', recording);

  app.post('/fallback', (c) => xml(c, fallbackTexml(recordingCallback)));
  app.post('/voice/after-stream', afterStream);

  app.post('/messaging', async (c) => {
    const v = verified(c);
    let parsed;
    try {
      parsed = parseMessaging(JSON.parse(v.text), deps.region);
    } catch (err) {
      return malformed(c, err);
    }
    if (!parsed.event) {
      deps.log.info('webhook event type ignored', { eventType: parsed.eventType });
      webhookEvents.inc({ outcome: 'ignored', reason: '' });
      return c.json({ received: true, ignored: parsed.eventType });
    }
    const event = parsed.event;
    await accept(c, {
      eventId: event.eventId,
      kind: 'message',
      workflowId: messageWorkflowId(event.messageId),
      payload: event,
    });
    return c.json({ received: true });
  });
  return app;
}
