/** Erasure activities: each step is idempotent, so the forget workflow can repeat any of them. */
import { eraseRows, planForget, suppressErased, type ForgetPlan, type ForgetSubject } from '../db/queries/forget.js';
import { reprocessWorkflowPrefix } from '../temporal.config.js';
import type { Database } from '../db/client.js';
import type { Providers } from './providers/index.js';
import { greetingFileName } from './calls.js';
import { greetingText } from '../platform/greeting.js';

/** Deletes workflow executions (and their histories) from Temporal. */
export interface ExecutionEraser {
  /** Terminate if running, then delete; false when there was no such execution. */
  erase(workflowId: string): Promise<boolean>;
  /** Executions whose id starts with `prefix` (reprocessing runs of a call). */
  idsStartingWith(prefix: string): Promise<string[]>;
}

export interface ForgetDeps {
  db: Database;
  providers: Providers;
  executions?: ExecutionEraser;
  /** For the erased contacts' cached greeting audio (named by an HMAC of voice and text). */
  greetings?: { ownerName: string; mediaKey?: Buffer };
}

export function createForgetActivities({ db, providers, executions, greetings }: ForgetDeps) {
  return {
    async planForget({ subject }: { subject: ForgetSubject }): Promise<ForgetPlan> {
      return planForget(db, subject);
    },

    /** List the plan's calls and texts as erased, so no late event, redelivery or sync brings them back. */
    async suppressErased({ workflowIds }: { workflowIds: string[] }): Promise<{ listed: number }> {
      return { listed: await suppressErased(db, workflowIds) };
    },

    /** The calls' and messages' workflow histories (and reprocessing runs) leave Temporal. */
    async eraseExecutions({ workflowIds }: { workflowIds: string[] }): Promise<{ deleted: number }> {
      if (!executions) throw new Error('no Temporal access for erasing executions in this worker');
      let deleted = 0;
      for (const id of workflowIds) {
        const runs = id.startsWith('call-')
          ? await executions.idsStartingWith(reprocessWorkflowPrefix(id.slice('call-'.length)))
          : [];
        for (const workflowId of [id, ...runs]) if (await executions.erase(workflowId)) deleted += 1;
      }
      return { deleted };
    },

    /** The recordings, and the greeting audio that says an erased contact's first name. */
    async eraseBlobs({ blobs, names = [] }: { blobs: string[]; names?: ForgetPlan['names'] }): Promise<{
      deleted: number;
    }> {
      for (const location of blobs) await providers.blobs.delete(location);
      const tts = providers.tts;
      if (tts && greetings?.mediaKey)
        for (const { first } of names ?? []) {
          const text = greetingText(first, greetings.ownerName);
          await providers.media.delete(`file://greetings/${greetingFileName(tts.voice, text, greetings.mediaKey)}`);
        }
      return { deleted: blobs.length };
    },

    async eraseRows({ plan }: { plan: ForgetPlan }): Promise<Record<string, number>> {
      return eraseRows(db, plan);
    },
  };
}
