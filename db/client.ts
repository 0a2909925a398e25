/**
 * Opens the database: PGlite with pgvector in the data folder (embedded default), or native
 * PostgreSQL through node-postgres when DATABASE_URL is set. Both get the same migrations.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdir } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import * as schema from './schema/index.js';
import { PgliteThread } from './pglite-thread.js';
import { RAW_TEXT_TYPES } from './prepared.js';
import { PreparedStatements, type Database, type PreparedRunner } from './database.js';

export { rowsOf, type Database, type Schema } from './database.js';

/** Give a drizzle database its prepared statements (how this driver runs a named statement). */
function withStatements(db: object, runner: PreparedRunner): Database {
  return Object.defineProperty(db, '$statements', { value: new PreparedStatements(runner) }) as Database;
}

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: 'pglite' | 'postgres';
  /** Resolves when a trivial query succeeds; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The node-postgres pool, on PostgreSQL. */
  readonly pool?: import('pg').Pool;
}

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * HNSW candidate list per search. On 200k passages (bench/rest.ts) pgvector's default of 40 gave
 * recall@10 of 0.82 on reworded queries, 200 gave 0.93, 400 about 1.0 at about 4 ms. It also caps
 * how many rows one index scan can return, so semantic search never asks for more.
 */
export const HNSW_EF_SEARCH = 400;

/** Any number above 2^31 works; this one is "cc-migrate" folded into an int. */
const MIGRATION_LOCK_KEY = 7_301_442_118;

export interface OpenOptions {
  /** Native PostgreSQL URL; without it PGlite opens `pgliteDir` (or memory when `pgliteDir` is `memory://`). */
  url?: string;
  pgliteDir?: string;
  poolSize?: number;
  migrate?: boolean;
  /**
   * PostgreSQL on this machine: the CPU priority (nice) to give each connection's server process,
   * normally the opening thread's own (`openConfiguredDatabase`), so a niced worker's queries wait
   * inside the database too while the webhooks' inserts run. Needs the right to renice it (root,
   * or the server's own user); where that fails, the connections are left as they are.
   */
  backendNiceness?: number;
}

/**
 * The product's database as configured (`npm run api`, `npm run worker`, the relay's thread): its
 * URL and pool size, and, where the configuration asks for it, connections at the opening thread's
 * CPU priority (`backendNiceness`).
 */
export function openConfiguredDatabase(
  config: { database: { url?: string; poolSize: number; backendsFollowNice: boolean } },
  o: { poolSize?: number; migrate?: boolean } = {},
): Promise<DatabaseHandle> {
  return openDatabase({
    url: config.database.url,
    poolSize: o.poolSize ?? config.database.poolSize,
    migrate: o.migrate,
    backendNiceness: config.database.backendsFollowNice ? getPriority() : 0,
  });
}

/** Open a database and (by default) apply pending migrations. */
export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  const handle = options.url
    ? await openPostgres(options.url, options.poolSize ?? 10, options.backendNiceness ?? 0)
    : await openPglite(options.pgliteDir);
  if (options.migrate !== false) {
    try {
      await migrateDatabase(handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

async function openPglite(dir: string | undefined): Promise<DatabaseHandle> {
  const { drizzle } = await import('drizzle-orm/pglite');
  const dataDir = dir && dir !== 'memory://' ? dir : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // On its own thread, so queries never stall the event loop that answers webhooks.
  const client = await PgliteThread.open(dataDir, [`set hnsw.ef_search = ${HNSW_EF_SEARCH}`]);
  const raw = Object.fromEntries(RAW_TEXT_TYPES.map((oid) => [oid, (value: string) => value]));
  const db = withStatements(drizzle(client as never, { schema }), async (name, text, params) => {
    const res = await client.prepared(name, text, params, { rowMode: 'object', parsers: raw });
    return { rows: res.rows as Record<string, unknown>[] };
  });
  return {
    db,
    kind: 'pglite',
    ping: async () => void (await client.query('select 1')),
    close: () => client.close(),
  };
}

async function openPostgres(url: string, poolSize: number, niceness: number): Promise<DatabaseHandle> {
  const pg = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  // Every session searches the HNSW index with the same, measured recall/latency trade-off.
  const pool = new pg.default.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    options: `-c hnsw.ef_search=${HNSW_EF_SEARCH}`,
  });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  if (niceness > 0) {
    let renice = true;
    pool.on('connect', (client) => {
      if (!renice) return;
      // Best effort, before the connection's first query: a server elsewhere or another user's is left as it is.
      client
        .query<{ pid: number }>('select pg_backend_pid() as pid')
        .then(({ rows }) => setPriority(rows[0]!.pid, niceness))
        .catch(() => (renice = false));
    });
  }

  // node-postgres prepares a named statement once per pooled connection.
  const rawText = new Set(RAW_TEXT_TYPES);
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      rawText.has(oid) ? (value: string) => value : pg.default.types.getTypeParser(oid, format as 'text'),
  };
  const db = withStatements(drizzle(pool, { schema }), async (name, text, params) => {
    const res = await pool.query({ name, text, values: params, types } as never);
    return { rows: (res as unknown as { rows: Record<string, unknown>[] }).rows };
  });
  return {
    db,
    kind: 'postgres',
    pool,
    ping: async () => void (await pool.query('select 1')),
    close: () => pool.end(),
  };
}

/** Apply pending migrations; on PostgreSQL under an advisory lock so several processes can start at once. */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(handle.db as never, { migrationsFolder });
    return;
  }
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const client = await handle.pool!.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
