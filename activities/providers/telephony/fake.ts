/**
 * Fake Telnyx for tests and the simulator: an HTTP server for the API calls we make (recording what
 * it received), a recording host, and a signer that produces real-format, signed webhook lifecycles.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeTelnyx {
  baseUrl: string;
  /** Requests received: method, path and parsed JSON body. */
  requests: { method: string; path: string; body: unknown }[];
  /** Serve bytes at /recordings/<name>; returns the absolute URL. */
  hostRecording(name: string, bytes: Uint8Array, contentType?: string): string;
  /** Stop serving a recording (as Telnyx's pre-signed URL expires). */
  unhost(name: string): void;
  /** Voice detail records served by GET /v2/detail_records (Telnyx's field names; push to add). */
  detailRecords: Record<string, unknown>[];
  /**
   * Play the legs the product dials (ring the owner first): set it, and each `POST /v2/calls`
   * creates a leg whose signed webhooks the fake delivers as Telnyx would, by `scenario`; `bridge`
   * and `hangup` commands on it answer with `call.bridged` and `call.hangup`.
   */
  dialled?: DialledLegs;
  /** The call session of a call control id (dialled legs linked to it share it); tests fill it. */
  sessions: Map<string, string>;
  /** Call actions (`bridge`, `hangup`, …) answered 500 while named here: Telnyx having a bad minute. */
  failing: Set<string>;
  close(): Promise<void>;
}

export interface DialledLegs {
  deliverTo: string;
  privateKey: KeyObject;
  /** `human`: answered by a person; `voicemail`: answered by a machine; `busy`; `no-answer` (after `ringMs`). */
  scenario: 'human' | 'voicemail' | 'busy' | 'no-answer';
  /** How long the leg rings before it is answered (or given up on). */
  ringMs?: number;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = '';
    req.on('data', (d) => (s += d));
    req.on('end', () => resolve(s));
  });

/** Listens on 127.0.0.1 by default; `host` lets a remote instance download the recordings it serves. */
export async function startFakeTelnyx(port = 0, host = '127.0.0.1'): Promise<FakeTelnyx> {
  const requests: FakeTelnyx['requests'] = [];
  const recordings = new Map<string, { bytes: Uint8Array; type: string }>();
  const detailRecords: Record<string, unknown>[] = [];
  const sessions = new Map<string, string>();
  const failing = new Set<string>();
  const legs = new Map<string, Leg>();
  let dialled: DialledLegs | undefined;

  /** A leg's webhook, signed and delivered as Telnyx does (retried while the target cannot take it). */
  function emit(leg: Leg, eventType: string, extra: Record<string, unknown> = {}, own = true) {
    const d = dialled;
    if (!d) return;
    const body = JSON.stringify({
      data: {
        record_type: 'event',
        event_type: eventType,
        id: randomUUID(),
        occurred_at: new Date().toISOString(),
        // The linked (caller's) leg's events carry its ids only here: the fake never saw its numbers.
        payload: own
          ? {
              call_control_id: leg.id,
              call_leg_id: leg.legId,
              call_session_id: leg.session,
              connection_id: leg.connectionId,
              client_state: leg.clientState,
              direction: 'outgoing',
              from: leg.from,
              to: leg.to,
              ...extra,
            }
          : { call_control_id: leg.linkTo, call_session_id: leg.session, client_state: null, ...extra },
      },
      meta: { attempt: 1, delivered_to: d.deliverTo },
    });
    leg.deliveries = leg.deliveries.then(() =>
      deliverAsTelnyx(d.deliverTo, d.privateKey, body, 15).then(() => undefined),
    );
  }

  function dial(b: DialBody) {
    const id = `v3:dialled-${randomUUID()}`;
    const session = (b.link_to && sessions.get(b.link_to)) ?? randomUUID();
    const leg: Leg = {
      id,
      legId: randomUUID(),
      session,
      linkTo: b.link_to,
      connectionId: b.connection_id,
      clientState: b.client_state ?? null,
      from: b.from,
      to: b.to,
      ended: false,
      deliveries: Promise.resolve(),
    };
    legs.set(id, leg);
    sessions.set(id, session);
    const d = dialled;
    if (d) {
      emit(leg, 'call.initiated', { state: 'bridging' });
      const ring = d.ringMs ?? 300;
      setTimeout(
        () => {
          if (leg.ended) return;
          if (d.scenario === 'busy') return hangUp(leg, 'user_busy');
          if (d.scenario === 'no-answer') return hangUp(leg, 'timeout');
          emit(leg, 'call.answered', { state: 'answered' });
          if (b.answering_machine_detection === 'premium')
            emit(leg, 'call.machine.premium.detection.ended', {
              result: d.scenario === 'human' ? 'human_residence' : 'machine',
            });
        },
        d.scenario === 'no-answer' ? Math.min(ring, (b.timeout_secs ?? 30) * 1000) : ring,
      ).unref();
    }
    return { data: { call_control_id: id, call_leg_id: leg.legId, call_session_id: session, record_type: 'call' } };
  }

  function hangUp(leg: Leg, cause: string) {
    if (leg.ended) return;
    leg.ended = true;
    emit(leg, 'call.hangup', { hangup_cause: cause, hangup_source: cause === 'normal_clearing' ? 'caller' : 'callee' });
  }

  function onAction(callControlId: string, name: string, body: Record<string, unknown> | undefined) {
    const leg = legs.get(callControlId);
    if (name === 'hangup' && leg) return hangUp(leg, 'normal_clearing');
    if (name === 'bridge') {
      const other = legs.get(String(body?.call_control_id ?? ''));
      if (!other) return;
      // Both legs hear of the bridge: the caller's (no client state of ours) and the dialled one.
      emit(other, 'call.bridged', {}, false);
      emit(other, 'call.bridged');
    }
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname.startsWith('/recordings/')) {
      const rec = recordings.get(url.pathname.slice('/recordings/'.length));
      if (!rec) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': rec.type, 'content-length': rec.bytes.length });
      return res.end(rec.bytes);
    }
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep raw text
    }
    requests.push({ method: req.method ?? 'GET', path: url.pathname, body });
    res.setHeader('content-type', 'application/json');
    if (!req.headers.authorization?.startsWith('Bearer '))
      return res.writeHead(401).end(JSON.stringify({ errors: [{ code: '10009', title: 'Authentication failed' }] }));
    if (url.pathname === '/v2/calls' && req.method === 'POST') return res.end(JSON.stringify(dial(body as DialBody)));
    const action = /^\/v2\/calls\/([^/]+)\/actions\/(\w+)$/.exec(url.pathname);
    if (action && req.method === 'POST') {
      const leg = legs.get(decodeURIComponent(action[1]!));
      if (failing.has(action[2]!)) {
        res.writeHead(500);
        return res.end(JSON.stringify({ errors: [{ code: '90000', title: 'Internal error' }] }));
      }
      if (leg?.ended) {
        res.writeHead(422);
        return res.end(JSON.stringify({ errors: [{ code: '90018', title: 'Call has already ended' }] }));
      }
      onAction(decodeURIComponent(action[1]!), action[2]!, body as Record<string, unknown> | undefined);
      return res.end(JSON.stringify({ data: { result: 'ok' } }));
    }
    if (url.pathname === '/v2/messages' && req.method === 'POST')
      return res.end(JSON.stringify({ data: { id: randomUUID(), record_type: 'message' } }));
    if (url.pathname === '/v2/detail_records') {
      const size = Number(url.searchParams.get('page[size]') ?? 20);
      const number = Number(url.searchParams.get('page[number]') ?? 1);
      const data = detailRecords.slice((number - 1) * size, number * size);
      return res.end(
        JSON.stringify({
          data,
          meta: {
            page_number: number,
            page_size: size,
            total_pages: Math.max(1, Math.ceil(detailRecords.length / size)),
            total_results: detailRecords.length,
          },
        }),
      );
    }
    if (url.pathname.startsWith('/v2/recordings'))
      return res.end(JSON.stringify({ data: [], meta: { total_pages: 1 } }));
    res.writeHead(404).end(JSON.stringify({ errors: [{ code: '404', title: 'Not found' }] }));
  });
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${base}/v2`,
    requests,
    detailRecords,
    sessions,
    failing,
    get dialled() {
      return dialled;
    },
    set dialled(d) {
      dialled = d;
    },
    hostRecording(name, bytes, contentType = 'audio/mpeg') {
      recordings.set(name, { bytes, type: contentType });
      return `${base}/recordings/${name}`;
    },
    unhost(name) {
      recordings.delete(name);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

interface DialBody {
  connection_id: string;
  to: string;
  from: string;
  link_to?: string;
  client_state?: string;
  timeout_secs?: number;
  answering_machine_detection?: string;
}

interface Leg {
  id: string;
  legId: string;
  session: string;
  linkTo?: string;
  connectionId: string;
  clientState: string | null;
  from: string;
  to: string;
  ended: boolean;
  /** Webhooks of one leg go out in order, as Telnyx sends them. */
  deliveries: Promise<void>;
}

/** Sign a body the way Telnyx does: Ed25519 over `${timestamp}|${body}`. */
export function signTelnyx(privateKey: KeyObject, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64');
  return { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': String(timestamp) };
}

/**
 * Deliver one webhook as Telnyx does: signed afresh on each attempt, and retried with backoff
 * (250 ms doubling, at most 4 s apart) while the target cannot take it (no connection, or a 5xx),
 * for up to `retrySeconds` (0 sends once). Resolves with the last outcome (the status, or
 * `error(...)`) and how many attempts were retried.
 */
export async function deliverAsTelnyx(
  url: string,
  privateKey: KeyObject,
  body: string,
  retrySeconds = 60,
): Promise<{ outcome: string; ok: boolean; retries: number }> {
  const giveUpAt = Date.now() + retrySeconds * 1000;
  for (let attempt = 0; ; attempt++) {
    let outcome: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...signTelnyx(privateKey, body) },
      });
      await res.arrayBuffer();
      outcome = String(res.status);
      if (res.status < 500) return { outcome, ok: res.ok, retries: attempt };
    } catch (err) {
      outcome = `error(${(err as Error).message.slice(0, 30)})`;
    }
    if (Date.now() >= giveUpAt) return { outcome, ok: false, retries: attempt };
    await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** attempt)));
  }
}

export interface LifecycleOptions {
  from: string;
  to: string;
  answered: boolean;
  talkSeconds?: number;
  recordingUrl?: string;
  hangupCause?: string;
  start?: Date;
}

/** A Call Control lifecycle's webhook bodies in true order: initiated, answered, hangup, recording.saved. */
export function callLifecycle(o: LifecycleOptions): { callSessionId: string; events: Record<string, unknown>[] } {
  const callSessionId = randomUUID();
  const callControlId = `v3:${randomUUID()}`;
  const callLegId = randomUUID();
  const t0 = (o.start ?? new Date()).getTime();
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const talk = o.talkSeconds ?? 60;
  const common = {
    call_control_id: callControlId,
    call_leg_id: callLegId,
    call_session_id: callSessionId,
    connection_id: '1684641123236054244',
    client_state: null,
    from: o.from,
    to: o.to,
  };
  const env = (event_type: string, occurred: string, payload: Record<string, unknown>) => ({
    data: { record_type: 'event', event_type, id: randomUUID(), occurred_at: occurred, payload },
    meta: { attempt: 1, delivered_to: 'http://localhost/webhooks/telnyx/voice' },
  });
  const events = [
    env('call.initiated', at(0), {
      ...common,
      direction: 'incoming',
      state: 'parked',
      start_time: at(0),
      caller_id_name: o.from,
    }),
  ];
  const endAt = o.answered ? 2 + talk : 20;
  if (o.answered) events.push(env('call.answered', at(2), { ...common, start_time: at(0), state: 'answered' }));
  events.push(
    env('call.hangup', at(endAt), {
      ...common,
      start_time: at(0),
      end_time: at(endAt),
      hangup_cause: o.hangupCause ?? (o.answered ? 'normal_clearing' : 'originator_cancel'),
      hangup_source: 'caller',
      sip_hangup_cause: o.answered ? '200' : '487',
      state: 'hangup',
    }),
  );
  if (o.answered && o.recordingUrl) {
    events.push(
      env('call.recording.saved', at(endAt + 1), {
        call_leg_id: callLegId,
        call_session_id: callSessionId,
        connection_id: common.connection_id,
        client_state: null,
        channels: 'dual',
        recording_started_at: at(2),
        recording_ended_at: at(endAt),
        recording_urls: { mp3: o.recordingUrl, wav: null },
        public_recording_urls: {},
      }),
    );
  }
  return { callSessionId, events };
}

/** An inbound SMS `message.received` body. */
export function smsReceived(from: string, to: string, text: string): Record<string, unknown> {
  return {
    data: {
      record_type: 'event',
      event_type: 'message.received',
      id: randomUUID(),
      occurred_at: new Date().toISOString(),
      payload: {
        id: randomUUID(),
        record_type: 'message',
        direction: 'inbound',
        type: 'SMS',
        from: { phone_number: from, carrier: 'T-Mobile USA', line_type: 'Wireless' },
        to: [{ phone_number: to, status: 'webhook_delivered' }],
        text,
        media: [],
        received_at: new Date().toISOString(),
      },
    },
    meta: { attempt: 1, delivered_to: 'http://localhost/webhooks/telnyx/messaging' },
  };
}
