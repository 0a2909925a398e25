/** All vendor fakes at once, and the environment that points the product at them. */
import { startFakeTelnyx, type FakeTelnyx } from '../telephony/fake.js';
import { startFakeAnthropic, startFakeDeepgram, startFakeEmbeddings, type FakeDeepgram } from './vendors.js';
import { startFakeServer, type FakeServer } from './server.js';

export interface Vendors {
  telnyx: FakeTelnyx;
  deepgram: FakeDeepgram;
  anthropic: FakeServer;
  embeddings: FakeServer;
  /** Receives the notification webhook (Slack/Discord-compatible JSON). */
  hook: FakeServer;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** `canned`: the language and embeddings fakes answer instantly with fixed content (benchmarks). */
export async function startVendors(o: { canned?: boolean } = {}): Promise<Vendors> {
  const [telnyx, deepgram, anthropic, embeddings, hook] = await Promise.all([
    startFakeTelnyx(),
    startFakeDeepgram(),
    startFakeAnthropic(o),
    startFakeEmbeddings(o),
    startFakeServer('hook', async () => ({ body: '{"ok":true}' })),
  ]);
  return {
    telnyx,
    deepgram,
    anthropic,
    embeddings,
    hook,
    env: {
      TELNYX_API_KEY: 'KEYfake',
      TELNYX_BASE_URL: telnyx.baseUrl,
      DEEPGRAM_API_KEY: 'dg-fake',
      DEEPGRAM_BASE_URL: deepgram.url,
      ANTHROPIC_API_KEY: 'sk-ant-fake',
      ANTHROPIC_BASE_URL: anthropic.url,
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_API_KEY: 'sk-fake',
      EMBEDDINGS_BASE_URL: `${embeddings.url}/v1`,
      EMBEDDINGS_MODEL: 'text-embedding-3-small',
      NOTIFY_WEBHOOK_URL: `${hook.url}/hook`,
    },
    async close() {
      await Promise.all([telnyx.close(), deepgram.close(), anthropic.close(), embeddings.close(), hook.close()]);
    },
  };
}
