/** The call and message workflows' Temporal signals and queries (their payload types are in contract.ts). */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CallEvent, CallProgress, MessageEvent, ReceptionistMilestone } from '../contract/index.js';

export const callEventSignal = defineSignal<[CallEvent]>('callEvent');
export const getCallProgressQuery = defineQuery<CallProgress>('progress');
export const messageEventSignal = defineSignal<[MessageEvent]>('messageEvent');
export const receptionistSignal = defineSignal<[ReceptionistMilestone]>('receptionist');
