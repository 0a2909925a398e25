/** What the REST routes need, passed in by createApp. */
import type { CountryCode } from 'libphonenumber-js';
import type { Database } from '../../db/client.js';
import type { WorkflowGateway } from '../../temporal/gateway.js';
import type { BlobStore } from '../../activities/providers/blob/store.js';
import { ApiError } from '../errors.js';
import type { AnswerWriter } from '../ask/types.js';
import { toE164 } from '../../platform/phone.js';

/** Embeds a search query with the same model the pipeline stores passages with. */
export interface QueryEmbedder {
  readonly model: string;
  embed(text: string): Promise<number[]>;
}

export interface ApiDeps {
  db: Database;
  gateway: WorkflowGateway;
  region: CountryCode;
  embedder: QueryEmbedder;
  /** The owner's time zone: "this week" and dates in answers are theirs. */
  timeZone: string;
  /** Writes answers from retrieved passages (Claude, with an Anthropic key); offline without. */
  answerWriter?: AnswerWriter;
  /** Connections the bulk rescore may use at once (1 on PGlite). */
  parallelism: number;
  /** Where the pipeline stored recordings (the data folder or the bucket), for the player. */
  recordings?: BlobStore;
  /** Facts for the dashboard's Setup page. */
  setup?: SetupFacts;
  /** Plays one simulated call through the product (embedded mode with the development key). */
  testCall?: () => Promise<{ callSessionId: string }>;
  /** "Talk to your receptionist" from the browser (embedded mode with the development key). */
  talkCall?: {
    talk(): Promise<{ callSessionId: string; streamPath: string }>;
    hangUp(callSessionId: string): Promise<void>;
  };
}

export interface SetupFacts {
  publicBaseUrl: string;
  /** Whether TELNYX_PUBLIC_KEY was configured, or a development key generated (embedded mode). */
  telnyxKeySource: 'configured' | 'development';
  /** The Temporal UI, for links to a call's run. */
  temporalUi?: string;
  temporalNamespace: string;
}

/** E.164 or a 400 naming the field. */
export function requirePhone(raw: string, region: CountryCode, field = 'phone'): string {
  const e164 = toE164(raw, region);
  if (!e164)
    throw new ApiError(400, 'validation_failed', `${field} is not a valid phone number`, {
      [field]: 'not a valid phone number',
    });
  return e164;
}
