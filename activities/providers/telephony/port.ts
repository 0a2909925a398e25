/** What the product asks of a telephony provider, in domain terms. */
export interface TelephonyPort {
  readonly name: string;
  /**
   * Answer and start a dual-channel recording on a live Call Control leg; then either stream the
   * call both ways to the receptionist (`stream`: PCMU 8 kHz, the token sent as Telnyx's streaming
   * auth header; the receptionist greets) or greet.
   */
  answerAndRecord(input: {
    callControlId: string;
    commandKey: string;
    greeting: string;
    greetingAudioUrl?: string;
    stream?: { url: string; authToken: string };
  }): Promise<void>;
  /**
   * Ring the owner first: dial the owner's leg linked to the caller's (same call session, the
   * caller's number shown), with premium answering-machine detection and a ring timeout, tagged
   * with `clientState` so its webhooks are told from the caller's. Returns the new leg's id.
   */
  dialOwner(input: {
    linkTo: string;
    to: string;
    from: string;
    timeoutSecs: number;
    clientState: string;
    commandKey: string;
  }): Promise<{ callControlId: string }>;
  /** Bridge the two legs, then stop the caller's media stream (the receptionist hands the call over). */
  bridgeToOwner(input: { callControlId: string; ownerCallControlId: string; commandKey: string }): Promise<void>;
  /** Hang up one leg; a leg that already ended is not an error. */
  hangupLeg(input: { callControlId: string; commandKey: string }): Promise<void>;
  sendSms(input: { to: string; text: string; from?: string }): Promise<{ messageId: string }>;
  /** Voice detail records started at or after `since`, for reconciliation (at most `limit`). */
  listCallDetailRecords(input: { since: Date; limit: number }): Promise<CallDetailRecord[]>;
}

export interface CallDetailRecord {
  callSessionId: string;
  callControlId?: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  startedAt?: string;
  endedAt?: string;
  durationSeconds?: number;
  callerName?: string;
}
