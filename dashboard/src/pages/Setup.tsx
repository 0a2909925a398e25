import { useMutation, useQuery } from '@tanstack/react-query';
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
