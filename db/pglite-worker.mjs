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
  for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  return { ...fields, message: err.message, name: err.name };
}

/** The main thread asks for some columns as raw text (what drizzle's parsers do); everything else parses as usual. */
function queryOptions(rowMode, rawTypes) {
  const parsers = {};
  for (const oid of rawTypes ?? []) parsers[oid] = (value) => value;
  return { rowMode, parsers };
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
