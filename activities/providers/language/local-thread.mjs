// The offline language engine on its own thread (see local.ts). Plain JavaScript, because a worker
// thread is started by Node itself, outside tsx's and vitest's transforms; the engine's TypeScript is
// loaded through tsx's API, the same way under `npm start`, `npm run worker` and the tests.
import { parentPort } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const engine = await tsImport('./local-engine.ts', import.meta.url);
const ops = { summarize: engine.summarizeText, sentiment: engine.sentimentOf };

parentPort.on('message', ({ id, op, input }) => {
  try {
    const run = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!run) throw new Error(`unknown language operation ${String(op)}`);
    parentPort.postMessage({ id, result: run(input) });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
parentPort.postMessage({ ready: true });
