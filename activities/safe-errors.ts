/**
 * A database error carries the statement and its parameters (drizzle's "Failed query: … params: …",
 * and the driver's error beside it): transcripts, numbers and names. An activity that fails on one
 * must not hand that to Temporal (the failure is kept in the workflow's history and logged by the
 * worker), so every activity's database errors are replaced by one that names only the error code
 * and the constraint or table. Other errors pass unchanged.
 */

export class DatabaseFailure extends Error {
  override name = 'DatabaseFailure';
}

interface DbErrorShape {
  query?: unknown;
  params?: unknown;
  code?: unknown;
  severity?: unknown;
  constraint?: unknown;
  table?: unknown;
  cause?: unknown;
}

/** The driver's error inside `err` (or `err` itself), when `err` is a database error. */
function databaseError(err: unknown): DbErrorShape | undefined {
  let e = err as DbErrorShape | undefined;
  let found: DbErrorShape | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    if (typeof e.query === 'string' || Array.isArray(e.params) || (typeof e.code === 'string' && e.severity)) found = e;
    e = e.cause as DbErrorShape | undefined;
  }
  return found;
}

export function safeDatabaseError(err: unknown): unknown {
  const found = databaseError(err);
  if (!found) return err;
  let driver: DbErrorShape | undefined = found;
  while (driver && typeof driver.code !== 'string' && driver.cause) driver = driver.cause as DbErrorShape;
  const code = typeof driver?.code === 'string' ? driver.code : 'unknown';
  const where =
    typeof driver?.constraint === 'string'
      ? ` on ${driver.constraint}`
      : typeof driver?.table === 'string'
        ? ` on ${driver.table}`
        : '';
  return new DatabaseFailure(`the database refused a statement (SQLSTATE ${code}${where})`);
}

/** Every activity, with database errors made safe to keep and log. */
export function withSafeErrors<A extends object>(activities: A): A {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] =
      typeof fn === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (err) {
              throw safeDatabaseError(err);
            }
          }
        : fn;
  }
  return out as A;
}
