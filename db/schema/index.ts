export * from './contacts.js';
export * from './phone-records.js';
export * from './messages.js';
export * from './tasks.js';
export * from './notifications.js';
export * from './embeddings.js';
export * from './privacy.js';
export * from './inbox.js';
