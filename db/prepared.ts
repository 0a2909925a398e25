/**
 * Named prepared statements written as SQL (drizzle's own prepared queries go through
 * `db.$statements.once`), for the few hot statements whose planning costs more than running
 * them: the single-contact rescore after every call plans a query of a dozen CTEs (about 6 ms in
 * PGlite) to read a handful of rows (about 2 ms). Prepared, it is planned once per database session.
 *
 * A statement's name carries a hash of its text, so a changed query is a new statement, never a
 * stale plan. Results have the shape `db.execute` gives: timestamps, dates and intervals as text.
 */
import { createHash } from 'node:crypto';
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from './database.js';

const dialect = new PgDialect();

function compile(base: string, query: SQL) {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { name: `${base}_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text, params };
}

/** A placeholder with its type: `placeholder('at', 'timestamptz')` is `$n::timestamptz` filled with the value `at`. */
export const placeholder = (name: string, type: string) => sql`${sql.placeholder(name)}::${sql.raw(type)}`;

/**
 * A statement built once (its values are `placeholder()`s) and run as the prepared statement
 * `<base>_<hash of its text>`, prepared on first use in each session: neither built nor planned
 * again. `build` gets the first database it runs on (the text is the same on any).
 */
export function definePrepared<V extends Record<string, unknown>>(base: string, build: (db: Database) => SQL) {
  let compiled: ReturnType<typeof compile> | undefined;
  return (db: Database, values: V): Promise<{ rows: Record<string, unknown>[] }> => {
    compiled ??= compile(base, build(db));
    return db.$statements.run(compiled.name, compiled.text, fillPlaceholders(compiled.params, values));
  };
}

/** The type ids drizzle's node-postgres driver reads as raw text (timestamps, dates, intervals, their arrays, numeric[]). */
export const RAW_TEXT_TYPES = [1114, 1184, 1082, 1186, 1231, 1115, 1185, 1187, 1182];
