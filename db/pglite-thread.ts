/**
 * PGlite on a worker thread, behind the part of PGlite's interface drizzle uses (query, exec,
 * transaction). PGlite executes SQL synchronously in WebAssembly: on the main thread every query
 * stalled the event loop that answers webhooks and drives the Temporal worker.
 *
 * PGlite is one session, so operations run one at a time; a transaction holds the session from
 * BEGIN to COMMIT or ROLLBACK, and other callers wait for it (as with PGlite itself). Operations
 * issued in the front lane (db/lanes.ts) run before any waiting background operation; within a
 * lane, in the order issued.
 */
import { Worker } from 'node:worker_threads';
import { isFrontLane } from './lanes.js';

export interface QueryResult {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

interface QueryOptions {
  rowMode?: 'array' | 'object';
  /** Only identity parsers (return the raw text) are supported: that is what drizzle passes. */
  parsers?: Record<number, (value: string, typeId: number) => unknown>;
}

export interface PgliteSession {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult>;
  exec(sql: string): Promise<QueryResult[]>;
}

type Request =
  | { op: 'query'; sql: string; params: unknown[]; rowMode?: string; rawTypes: number[] }
  | { op: 'prepared'; name: string; sql: string; params: unknown[]; rowMode?: string; rawTypes: number[] }
  | { op: 'exec'; sql: string }
  | { op: 'close' };
type ErrorData = { message: string; name: string } & Record<string, unknown>;

const workerUrl = new URL('./pglite-worker.mjs', import.meta.url);

/** A PGlite error as the caller would have seen it: same message, name, code and fields. */
function revive(data: ErrorData): Error {
  return Object.assign(new Error(data.message), data);
}

function rawTypesOf(parsers: QueryOptions['parsers']): number[] {
  const oids: number[] = [];
  for (const [oid, parse] of Object.entries(parsers ?? {})) {
    if (parse('raw', Number(oid)) !== 'raw')
      throw new Error(`PGlite thread: only raw-text parsers are supported (type ${oid})`);
    oids.push(Number(oid));
  }
  return oids;
}

export class PgliteThread implements PgliteSession {
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  /** Operations waiting for the session, front lane first. */
  #waiting = { front: [] as (() => void)[], background: [] as (() => void)[] };
  #busy = false;
  #broken: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; result?: unknown; error?: ErrorData }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) worker.unref();
      if (m.error) p.reject(revive(m.error));
      else p.resolve(m.result);
    });
    const fail = (err: Error) => {
      this.#broken = err;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    worker.on('error', (err) => fail(new Error(`database thread failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`database thread exited (${code})`)));
  }

  /** Start the thread and open PGlite (with pgvector) in `dataDir`, or in memory; `setup` runs first. */
  static async open(dataDir: string | undefined, setup: string[] = []): Promise<PgliteThread> {
    // Plain Node: the worker is JavaScript, and loader hooks (tsx) are not needed there.
    const worker = new Worker(workerUrl, { workerData: { dataDir, setup }, execArgv: [] });
    let onMessage!: (m: { ready: boolean; error?: ErrorData }) => void;
    let onError!: (err: Error) => void;
    let onExit!: (code: number) => void;
    const ready = await new Promise<{ ready: boolean; error?: ErrorData }>((resolve, reject) => {
      onMessage = resolve;
      onError = reject;
      onExit = (code) => reject(new Error(`database thread exited (${code}) while opening PGlite`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    }).finally(() => {
      // Only these listeners: removing all of them would also detach the worker's message port.
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw revive(ready.error ?? { message: 'PGlite did not open', name: 'Error' });
    }
    worker.unref();
    return new PgliteThread(worker);
  }

  #send<T>(req: Request): Promise<T> {
    if (this.#broken) return Promise.reject(this.#broken);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ id, ...req });
    });
  }

  /**
   * Run `fn` alone on the session: after the operation (or transaction) running now, and after
   * every operation waiting in its lane or a lane ahead of it.
   */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (isFrontLane() ? this.#waiting.front : this.#waiting.background).push(() => {
        Promise.resolve()
          .then(fn)
          .then(resolve, reject)
          .finally(() => {
            this.#busy = false;
            this.#runNext();
          });
      });
      this.#runNext();
    });
  }

  #runNext(): void {
    if (this.#busy) return;
    const next = this.#waiting.front.shift() ?? this.#waiting.background.shift();
    if (!next) return;
    this.#busy = true;
    next();
  }

  #session(): PgliteSession {
    return {
      query: (sql, params = [], options = {}) =>
        this.#send({ op: 'query', sql, params, rowMode: options.rowMode, rawTypes: rawTypesOf(options.parsers) }),
      exec: (sql) => this.#send({ op: 'exec', sql }),
    };
  }

  query(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<QueryResult> {
    return this.#serial(() => this.#session().query(sql, params, options));
  }

  exec(sql: string): Promise<QueryResult[]> {
    return this.#serial(() => this.#session().exec(sql));
  }

  /**
   * Run `sql` as the session's prepared statement `name`, preparing it on first use (see
   * db/prepared.ts). `name` must always stand for the same text.
   */
  prepared(name: string, sql: string, params: unknown[], options: QueryOptions = {}): Promise<QueryResult> {
    return this.#serial(() =>
      this.#send({
        op: 'prepared',
        name,
        sql,
        params,
        rowMode: options.rowMode,
        rawTypes: rawTypesOf(options.parsers),
      }),
    );
  }

  /** BEGIN, `fn` on the held session, then COMMIT; ROLLBACK when `fn` throws. */
  transaction<T>(fn: (tx: PgliteSession) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      const tx = this.#session();
      await tx.exec('BEGIN');
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        await tx.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await tx.exec('COMMIT');
      return result;
    });
  }

  async close(): Promise<void> {
    try {
      await this.#serial(() => this.#send({ op: 'close' }));
    } finally {
      await this.worker.terminate();
    }
  }
}
