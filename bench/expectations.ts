/**
 * What a person would check after a call: the end state each call should reach, given how it was
 * placed. Used by the simulator's summary and by the acceptance tests, so both judge alike.
 */

export interface CallPlan {
  callSessionId: string;
  from: string;
  answered: boolean;
  /** The caller is a contact (created before the call). */
  known: boolean;
  /** The contact's name, when known: what the owner's notifications about the call should call them. */
  name?: string;
  /** What was said, when the call has a recording. */
  text?: string;
}

export interface StageStatus {
  status: string;
  error?: string;
  score?: number | null;
}

export interface CallRecord {
  id: string;
  callSessionId: string;
  status: string;
  stageStatus: Record<string, StageStatus>;
  transcript?: string | null;
}

export interface Notification {
  rule: string;
  callId: string | null;
  status: string;
  title: string;
}

import { AUDIO_STAGES } from '../contract/stages.js';

/** The problems with one call's end state (empty when it is what it should be). */
export function checkCall(plan: CallPlan, r: CallRecord | undefined, notes: Notification[]): string[] {
  if (!r) return ['no phone record'];
  const problems: string[] = [];
  const want = plan.answered ? 'completed' : 'missed';
  if (r.status !== want) problems.push(`status ${r.status}, expected ${want}`);
  const stage = (name: string) => r.stageStatus?.[name];
  const expect = (name: string, status: string) => {
    const s = stage(name);
    if (s?.status !== status)
      problems.push(`${name} ${s?.status ?? 'missing'}${s?.error ? ` (${s.error})` : ''}, expected ${status}`);
  };
  for (const name of AUDIO_STAGES) expect(name, plan.answered ? 'done' : 'skipped');
  expect('rescore', plan.known ? 'done' : 'skipped');
  expect('notify', 'done');
  const live = notes.filter((n) => n.callId === r.id && n.status !== 'retracted');
  const missedAlerts = live.filter((n) => n.rule === 'missed_known_contact');
  const wantMissed = !plan.answered && plan.known ? 1 : 0;
  if (missedAlerts.length !== wantMissed)
    problems.push(`${missedAlerts.length} missed-call alerts, expected ${wantMissed}`);
  // The owner reads a contact's name, not a masked number, even when the event naming the caller
  // came after the pipeline had run (the rule is named, never the title: it quotes the caller).
  const name = plan.known ? plan.name : undefined;
  if (name)
    for (const n of live.filter((n) => !n.title.includes(name)))
      problems.push(`the ${n.rule} notification does not name the caller`);
  return problems;
}
