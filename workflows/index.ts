/** Every workflow the worker registers. */
export { callWorkflow } from './call.js';
export { messageWorkflow } from './message.js';
export { syncCallHistoryWorkflow } from './sync.js';
export { forgetWorkflow } from './forget.js';
export { retentionWorkflow } from './retention.js';
export { ownerDigestWorkflow, remindersWorkflow } from './owner.js';
