/** Activities of the message workflow: store, sentiment, embed, notify. Keyed by the Telnyx message id. */
import type { Database } from '../db/client.js';
import { maskPhone } from '../platform/phone.js';
import {
  addInboxNotification,
  getMessage,
  setMessageSentiment,
  storeMessage,
  storeMessagePassage,
} from '../db/queries/messages.js';
import type { MessageEvent } from '../contract/index.js';
import { vendorCall } from './pipeline.js';
import type { Providers } from './providers/index.js';

export function createMessageActivities({ db, providers }: { db: Database; providers: Providers }) {
  async function load(id: string) {
    const row = await getMessage(db, id);
    if (!row) throw new Error(`message ${id} not found`);
    return row;
  }
  return {
    /** Upsert the message row; a status only moves forward. */
    async storeMessage({ event }: { event: MessageEvent }) {
      const row = await storeMessage(db, {
        telnyxMessageId: event.messageId,
        direction: event.direction,
        type: event.messageType,
        otherParty: event.otherParty,
        ourNumber: event.ourNumber,
        text: event.text,
        media: event.media,
        status: event.status,
        occurredAt: new Date(event.occurredAt),
      });
      return { messageRowId: row.id, contactId: row.contactId, inbound: row.direction === 'inbound' };
    },

    async messageSentimentStage({ messageRowId }: { messageRowId: string }) {
      const m = await load(messageRowId);
      // Heartbeats while the engine works: the profile's 20 s heartbeat timeout would otherwise
      // fail a slow but healthy sentiment call.
      const out = await vendorCall(providers.language.name, () =>
        providers.language.sentiment({ turns: [{ speaker: 'them', text: m.text }] }),
      );
      await setMessageSentiment(db, messageRowId, {
        label: out.label,
        score: out.score,
        provider: providers.language.name,
        model: out.model,
      });
      return { label: out.label };
    },

    async embedMessageStage({ messageRowId }: { messageRowId: string }) {
      const m = await load(messageRowId);
      if (!m.text.trim()) return { passages: 0 };
      const [vector] = await vendorCall(providers.embeddings.name, () => providers.embeddings.embed([m.text]));
      await storeMessagePassage(db, m, providers.embeddings.model, vector!);
      return { passages: 1 };
    },

    /** An inbox notification for messages from known contacts that read negative. */
    async notifyMessageStage({ messageRowId }: { messageRowId: string }) {
      const m = await load(messageRowId);
      if (!m.contactId || m.sentiment !== 'negative') return { notifications: 0 };
      const added = await addInboxNotification(db, {
        dedupeKey: `message:${m.id}:negative_sentiment:inbox`,
        rule: 'negative_sentiment',
        title: `Tense message from ${maskPhone(m.phoneNumber)}`,
        body: m.text.slice(0, 500),
        contactId: m.contactId,
        messageId: m.id,
      });
      return { notifications: added };
    },
  };
}
