/** All activities, built from their dependencies (no globals, no env reads). */
import type { CountryCode } from 'libphonenumber-js';
import type { Database } from '../db/client.js';
import { createCallActivities } from './calls.js';
import { createForgetActivities, type ExecutionEraser } from './forget.js';
import { createRetentionActivities } from './retention.js';
import { createMessageActivities } from './messages.js';
import { createPipelineActivities } from './pipeline.js';
import { createOwnerActivities } from './owner.js';
import type { Providers } from './providers/index.js';
import type { RingOwnerRule } from './ring-owner.js';

export interface ActivityDeps {
  db: Database;
  providers: Providers;
  /** Temporal access for erasure (deleting workflow histories). */
  executions?: ExecutionEraser;
  /** Secret that names greeting audio files (derived from the history key). */
  mediaKey?: Buffer;
  config: ActivitySettings;
}

/** The settings the activities act on (the composition root passes the configuration's sections). */
export interface ActivitySettings {
  owner: { name: string; phoneNumber?: string; region: CountryCode; timeZone: string };
  notify: { webhookUrl?: string; longCallSeconds: number };
  http: { publicBaseUrl: string };
  recordings: { allowedHosts: readonly string[]; allowedBuckets: readonly string[] };
  retention: Parameters<typeof createRetentionActivities>[0]['policy'];
  /** The live receptionist: Call Control calls are answered with a stream to it when enabled. */
  receptionist: { enabled: boolean; streamBase: string; ringOwner?: RingOwnerRule };
}

export function createActivities({ db, providers, config, executions, mediaKey }: ActivityDeps) {
  // Where the owner is told things: call notifications and the owner's digest and reminders alike.
  const notify = {
    webhookUrl: config.notify.webhookUrl,
    longCallSeconds: config.notify.longCallSeconds,
    ownerPhoneNumber: config.owner.phoneNumber,
  };
  return {
    ...createForgetActivities({ db, providers, executions, greetings: { ownerName: config.owner.name, mediaKey } }),
    ...createRetentionActivities({ db, providers, policy: config.retention }),
    ...createCallActivities({
      db,
      providers,
      ownerName: config.owner.name,
      publicBaseUrl: config.http.publicBaseUrl,
      receptionist: config.receptionist,
      ownerPhoneNumber: config.owner.phoneNumber,
      timeZone: config.owner.timeZone,
      mediaKey,
      region: config.owner.region,
    }),
    ...createMessageActivities({ db, providers }),
    ...createOwnerActivities({
      db,
      providers,
      notify,
    }),
    ...createPipelineActivities({
      db,
      providers,
      notify,
      owner: { name: config.owner.name, timeZone: config.owner.timeZone },
      recordingHosts: config.recordings.allowedHosts,
      recordingBuckets: config.recordings.allowedBuckets,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
