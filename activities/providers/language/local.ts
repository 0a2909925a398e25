/**
 * The offline language port: the engine in local-engine.ts, run on one worker thread so a long
 * transcript never holds the worker's event loop (activity heartbeats, webhooks in embedded mode).
 * The thread starts on first use and is replaced if it dies; it never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { CallSummary, LanguagePort, SentimentResult } from './port.js';

export { LOCAL_LANGUAGE_MODEL, MAX_RANKED_SENTENCES } from './local-engine.js';

type Pending = { resolve: (value: never) => void; reject: (err: Error) => void };

export interface LocalLanguage extends LanguagePort {
  /** Stops the thread (a later call starts a new one). */
  close(): Promise<void>;
  /** The thread's id while it runs, for tests. */
  threadId(): number | undefined;
}

export function createLocalLanguage(): LocalLanguage {
  let worker: Worker | undefined;
  let ready: Promise<void> | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  function start(): Promise<void> {
    const w = new Worker(new URL('./local-thread.mjs', import.meta.url));
    w.unref();
    worker = w;
    ready = new Promise<void>((resolve, reject) => {
      w.on('message', (msg: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
        if (msg.ready) return resolve();
        const p = msg.id === undefined ? undefined : pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id!);
        if (msg.error !== undefined) p.reject(new Error(`local language engine: ${msg.error}`));
        else p.resolve(msg.result as never);
      });
      const gone = (err: Error) => {
        if (worker === w) {
          worker = undefined;
          ready = undefined;
        }
        reject(err);
        failAll(err);
      };
      w.on('error', (err) => gone(new Error(`local language engine stopped: ${err.message}`)));
      w.on('exit', (code) => gone(new Error(`local language engine exited (code ${code})`)));
    });
    return ready;
  }

  async function call<T>(op: 'summarize' | 'sentiment', input: unknown): Promise<T> {
    await (ready ?? start());
    const w = worker;
    if (!w) throw new Error('local language engine is not running');
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: never) => void, reject });
      // A message in flight keeps the process alive until its answer arrives.
      w.ref();
      w.postMessage({ id, op, input });
    }).finally(() => {
      if (pending.size === 0) w.unref();
    });
  }

  return {
    name: 'local',
    summarize: (input) => call<CallSummary>('summarize', input),
    sentiment: (input) => call<SentimentResult>('sentiment', input),
    threadId: () => worker?.threadId,
    async close() {
      const w = worker;
      worker = undefined;
      ready = undefined;
      if (w) await w.terminate();
    },
  };
}
