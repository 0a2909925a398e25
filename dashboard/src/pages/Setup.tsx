import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { startBrowserCall } from '../talk';
import { api, unwrap, unwrapPage, type Schemas } from '../api/client';
import { Link, useTitle } from '../router';
import { Badge, Card, ErrorBox, Loading } from '../ui';
import { systemQueries } from '../queries/system';

function Copy({ label, value }: { label: string; value: string }) {
  return (
    <div className="copy">
      <span className="copy-label">{label}</span>
      <code>{value}</code>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(value)} aria-label={`Copy ${label}`}>
        Copy
      </button>
    </div>
  );
}

export function Setup() {
  useTitle('Setup');
  const setup = useQuery(systemQueries.setup());
  const ready = useQuery(systemQueries.ready());
  return (
    <div className="page">
      <h1>Setup</h1>
      <div className="grid">
        <Card title="Telnyx webhooks" className="wide">
          {setup.isPending ? (
            <Loading />
          ) : setup.isError ? (
            <ErrorBox error={setup.error} />
          ) : (
            <>
              <p>
                In the Telnyx portal, paste these into your number&apos;s <strong>Call Control application</strong> (or{' '}
                <strong>TeXML application</strong>) and its <strong>messaging profile</strong>. They use{' '}
                <code>PUBLIC_BASE_URL</code> ({setup.data.publicBaseUrl}); Telnyx must be able to reach it.
              </p>
              <h3>Call Control</h3>
              <Copy label="Webhook URL" value={setup.data.webhooks.callControl} />
              <h3>TeXML</h3>
              <Copy label="Voice URL" value={setup.data.webhooks.texml.voice} />
              <Copy label="Status callback" value={setup.data.webhooks.texml.status} />
              <Copy label="Recording callback" value={setup.data.webhooks.texml.recording} />
              <Copy label="Fallback URL" value={setup.data.webhooks.texml.fallback} />
              <h3>Messaging</h3>
              <Copy label="Inbound webhook" value={setup.data.webhooks.messaging} />
              <h3>Signature key</h3>
              {setup.data.telnyxPublicKey === 'configured' ? (
                <p>
                  <Badge value="ok" label="configured" /> Webhooks are verified with your account&apos;s public key (
                  <code>TELNYX_PUBLIC_KEY</code>).
                </p>
              ) : (
                <p>
                  <Badge value="failed" label="development key" /> Webhooks are verified with a key generated for the
                  simulator, so real Telnyx webhooks are refused. Copy the public key from the Telnyx portal (Account
                  settings → Keys &amp; credentials) into <code>TELNYX_PUBLIC_KEY</code> and restart.
                </p>
              )}
              <h3>Try it without a phone</h3>
              <TestCall available={setup.data.testCall} />
              {setup.data.testCall && <TalkToReceptionist />}
            </>
          )}
        </Card>
        <Card title="Engines and services">
          {ready.isPending ? (
            <Loading />
          ) : ready.isError ? (
            <ErrorBox error={ready.error} />
          ) : (
            <table className="kv">
              <tbody>
                {Object.entries(ready.data.checks).map(([name, c]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>
                      <Badge value={c.status} /> <span className="muted small">{c.detail}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        {setup.data?.temporalUi && (
          <Card title="Temporal">
            <p>
              Every call is a durable workflow. Inspect runs, retries and failures in the{' '}
              <a href={setup.data.temporalUi}>Temporal UI</a> (payloads decrypt through this server&apos;s codec
              endpoint).
            </p>
          </Card>
        )}
      </div>
    </div>
  );
}

/** One simulated call through the whole pipeline, then a link to it once it is in the call log. */
function TestCall({ available }: { available: boolean }) {
  const place = useMutation({
    mutationFn: async () => {
      const { callSessionId } = await unwrap(api.POST('/api/setup/test-call'));
      // The call's workflow creates its row within a second or two.
      for (let i = 0; i < 60; i++) {
        const { items } = await unwrapPage<Schemas['PhoneRecordSummary']>(
          api.GET('/api/phone-records', { params: { query: { limit: 10 } } }),
        );
        const call = items.find((c) => c.callSessionId === callSessionId);
        if (call) return call;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error('The test call did not reach the call log within 30 seconds; see /ready on this page');
    },
  });
  if (!available) {
    return (
      <p>
        With real Telnyx webhooks configured, test calls are not played here. On a development instance,{' '}
        <code>npm run simulate -- --calls 3 --sms 1</code> plays signed calls and texts with synthetic speech through
        the whole pipeline.
      </p>
    );
  }
  return (
    <div>
      <p>
        Plays one call with synthetic speech through the whole pipeline, exactly as Telnyx would deliver it: signed
        webhooks, a recording to copy, transcription, summary and the rest.
      </p>
      <button type="button" className="primary" onClick={() => place.mutate()} disabled={place.isPending}>
        {place.isPending ? 'Placing the call …' : 'Play a test call'}
      </button>
      {place.data && (
        <p role="status">
          The call is in. <Link to={`/calls/${place.data.id}`}>Open it</Link> to watch its stages finish.
        </p>
      )}
      {place.error && <ErrorBox error={place.error} />}
    </div>
  );
}

/** A call to the receptionist from this browser: the microphone in, its voice out, then the call's page. */
function TalkToReceptionist() {
  const [call, setCall] = useState<{ id: string; hangUp: () => void } | null>(null);
  const [speaking, setSpeaking] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: async () => {
      setDone(null);
      const { callSessionId, streamPath } = await unwrap(api.POST('/api/setup/talk'));
      const browser = await startBrowserCall({ callSessionId, streamPath }, setSpeaking);
      setCall({ id: callSessionId, hangUp: browser.hangUp });
      await browser.ended;
      setCall(null);
      setSpeaking(false);
      await unwrap(api.POST('/api/setup/talk/{callSessionId}/hangup', { params: { path: { callSessionId } } }));
      for (let i = 0; i < 60; i++) {
        const { items } = await unwrapPage<Schemas['PhoneRecordSummary']>(
          api.GET('/api/phone-records', { params: { query: { limit: 10 } } }),
        );
        const found = items.find((c) => c.callSessionId === callSessionId);
        if (found) return setDone(found.id);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  });
  return (
    <div>
      <p>
        Call your receptionist from this browser: allow the microphone, then leave a message or ask for a call back, as
        a caller would.
      </p>
      {call ? (
        <p role="status">
          <Badge value="running" label={speaking ? 'receptionist speaking' : 'listening'} />{' '}
          <button type="button" onClick={() => call.hangUp()}>
            Hang up
          </button>
        </p>
      ) : (
        <button type="button" className="primary" onClick={() => start.mutate()} disabled={start.isPending}>
          {start.isPending ? 'Ending the call …' : 'Talk to your receptionist'}
        </button>
      )}
      {done && (
        <p role="status">
          The call is over. <Link to={`/calls/${done}`}>Open it</Link> to read the conversation.
        </p>
      )}
      {start.error && <ErrorBox error={start.error} />}
    </div>
  );
}
