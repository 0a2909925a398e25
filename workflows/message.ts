/**
 * One workflow per Telnyx message (id `message-<message id>`): stores the message and its status
 * updates, then for inbound messages runs sentiment, embedding, rescoring and notification.
 */
import {
  ActivityFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { activityProfiles, MESSAGE_LOCAL_DB_PATCH, localActivityProfiles } from '../temporal.config.js';
import { messageEventSignal } from './signals.js';
import type { MessageEvent } from '../contract/index.js';

const remoteDb = proxyActivities<Activities>(activityProfiles.db);
const localDb = proxyLocalActivities<Activities>(localActivityProfiles.db);
const llm = proxyActivities<Activities>(activityProfiles.llm);
const embed = proxyActivities<Activities>(activityProfiles.embed);
const notify = proxyActivities<Activities>(activityProfiles.notify);

export async function messageWorkflow(input: { messageId: string }): Promise<{ messageRowId: string }> {
  const db = patched(MESSAGE_LOCAL_DB_PATCH) ? localDb : remoteDb;
  const seen = new Set<string>();
  const pending: MessageEvent[] = [];
  setHandler(messageEventSignal, (e) => {
    if (e.messageId !== input.messageId || seen.has(e.eventId)) return;
    seen.add(e.eventId);
    pending.push(e);
  });
  await condition(() => pending.length > 0);
  let stored = { messageRowId: '', contactId: null as string | null, inbound: false };
  while (pending.length > 0) {
    const batch = pending.splice(0).sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
    for (const event of batch) stored = await db.storeMessage({ event });
  }
  if (stored.inbound) {
    const step = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
      }
    };
    await step(() => llm.messageSentimentStage({ messageRowId: stored.messageRowId }));
    await step(() => embed.embedMessageStage({ messageRowId: stored.messageRowId }));
    if (stored.contactId) await step(() => db.rescoreContact({ contactId: stored.contactId! }));
    await step(() => notify.notifyMessageStage({ messageRowId: stored.messageRowId }));
  }
  // Status updates that arrived meanwhile are stored before the run closes.
  while (pending.length > 0) for (const event of pending.splice(0)) await db.storeMessage({ event });
  return { messageRowId: stored.messageRowId };
}
