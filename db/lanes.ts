/**
 * The database's front lane: queries someone is waiting on the answer of (a webhook's insert into
 * the inbox, the contact lookup that greets a caller) go ahead of background work (the relay, the
 * pipeline's activities). PGlite is one session, so its queries run one at a time: without a lane,
 * a webhook's insert queued behind whatever the worker had queued. Native PostgreSQL runs queries
 * on a pool and ignores the lane. Background work waits only while front-lane work is queued, and
 * that is short, per-request work: it cannot be held back for long.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const front = new AsyncLocalStorage<true>();

/** Run `fn` with its queries (and those of what it starts) in the front lane. */
export const inFrontLane = <T>(fn: () => T): T => front.run(true, fn);

/** Whether the query being issued now belongs to the front lane. */
export const isFrontLane = (): boolean => front.getStore() === true;
