/**
 * The database as every query sees it: drizzle over the schema, carrying its own prepared
 * statements. Separate from client.ts (which opens one) so the statements and the queries need
 * nothing of how a database is opened.
 */
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.js';

export type Schema = typeof schema;

/** Runs a named prepared statement on this database (PGlite or node-postgres), rows as `db.execute` gives them. */
export type PreparedRunner = (
  name: string,
  text: string,
  params: unknown[],
) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * A database's prepared statements, the one mechanism for them: statements written as SQL run
 * through `run` (see prepared.ts), and drizzle's prepared queries are built once per database by
 * `once` and kept here, with the database, for as long as it is open.
 */
export class PreparedStatements {
  private readonly built = new Map<string, unknown>();
  constructor(readonly run: PreparedRunner) {}

  /** The value `build` makes, made once for this database under `name`. */
  once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }
}

export type Database = PgDatabase<PgQueryResultHKT, Schema> & {
  /** This database's prepared statements (attached by openDatabase). */
  readonly $statements: PreparedStatements;
};

/** The rows of a `db.execute()` result (the same shape from PGlite and node-postgres). */
export const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
