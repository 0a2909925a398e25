// PGlite on its own thread (see db/pglite-thread.ts): the database runs here, so the main thread's
// event loop (webhooks, the Temporal worker) never waits on a query. Plain JavaScript, because a
// worker thread is started by Node itself, outside tsx and vitest's transforms.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const { dataDir, setup } = workerData;

/** An error as plain data: its message, name and every field PGlite sets (code, detail, constraint...). */
function errorData(err) {
  if (!(err instanceof Error)) return { message: String(err), name: 'Error' };
  const fields = {};
  for (const [k, v] of Object.entries(err))
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  return { ...fields, message: err.message, name: err.name };
}

/** The main thread asks for some columns as raw text (what drizzle's parsers do); everything else parses as usual. */
function queryOptions(rowMode, rawTypes) {
  const parsers = {};
  for (const oid of rawTypes ?? []) parsers[oid] = (value) => value;
  return { rowMode, parsers };
}

/**
 * A parameter as an SQL literal, for EXECUTE (which takes no bind parameters). Escaped string
 * syntax, so the result does not depend on standard_conforming_strings.
 */
function literal(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`prepared statement parameter is not a finite number: ${value}`);
    return `(${value})`;
  }
  if (typeof value === 'bigint') return `(${value})`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  if (text.includes('\0')) throw new Error('prepared statement parameter contains a NUL character');
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const prepared = new Set();
const STATEMENT_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function runPrepared(m) {
  if (!STATEMENT_NAME.test(m.name)) throw new Error(`invalid prepared statement name: ${m.name}`);
  if (!prepared.has(m.name)) {
    await db.exec(`PREPARE ${m.name} AS ${m.sql}`);
    prepared.add(m.name);
  }
  const args = m.params.length > 0 ? `(${m.params.map(literal).join(', ')})` : '';
  return db.query(`EXECUTE ${m.name}${args}`, [], queryOptions(m.rowMode, m.rawTypes));
}

let db;
try {
  db = await PGlite.create({ dataDir, extensions: { vector } });
  for (const statement of setup ?? []) await db.exec(statement);
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ ready: false, error: errorData(err) });
}

parentPort.on('message', async (m) => {
  try {
    let result;
    if (m.op === 'query') result = await db.query(m.sql, m.params, queryOptions(m.rowMode, m.rawTypes));
    else if (m.op === 'prepared') result = await runPrepared(m);
    else if (m.op === 'exec') result = await db.exec(m.sql);
    else if (m.op === 'close') {
      await db.close();
      result = null;
    } else throw new Error(`unknown operation ${m.op}`);
    parentPort.postMessage({ id: m.id, result });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: errorData(err) });
  }
});
