/**
 * The one structured logger (pino, JSON lines) for every process, with its masking, and the bridge
 * that routes Temporal's runtime lines through it.
 */
import pino from 'pino';

export type Logger = Record<
  'debug' | 'info' | 'warn' | 'error',
  (msg: string, fields?: Record<string, unknown>) => void
> & {
  /** A logger whose every line carries `bindings` (a request id, a workflow and activity id). */
  child?(bindings: Record<string, unknown>): Logger;
};

/** A logger that says nothing (tests and benchmarks). */
export const silentLog: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** E.164 numbers (and the same digits after a "+" escaped in JSON): kept to their last two digits. */
const PHONE = /(\+|\\u002[bB])(\d{6,13})(\d{2})(?!\d)/g;

/**
 * The one structured logger (pino, JSON lines) for every process: the API, the worker, the
 * activities and Temporal's runtime (routed in by `temporalLogFunction`). Masking happens here, on
 * the finished line, so it applies to every field of every source: the value of each configured
 * secret (raw and JSON-escaped) becomes `***`, and phone numbers keep only their last two digits.
 * Warnings and errors go to stderr, the rest to stdout.
 */
export function createLogger(
  config: { logLevel: string },
  secrets: readonly (string | undefined)[] = [],
  bindings: Record<string, unknown> = {},
): Logger {
  const masks = [
    ...new Set(
      secrets
        // Short secrets too (a 4-character database password is still a password).
        .filter((s): s is string => typeof s === 'string' && s.length >= 4)
        .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]),
    ),
  ].sort((a, b) => b.length - a.length);
  const scrub = (text: string) =>
    masks
      .reduce((t, s) => t.split(s).join('***'), text)
      .replace(PHONE, (_, plus, middle: string, tail) => `${plus}${'*'.repeat(middle.length)}${tail}`);
  const destination = {
    write(line: string) {
      const clean = scrub(line);
      (/^\{"level":"(warn|error)"/.test(clean) ? process.stderr : process.stdout).write(clean);
    },
  };
  const root = pino(
    {
      level: config.logLevel,
      base: { pid: process.pid, ...bindings },
      messageKey: 'msg',
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const wrap = (p: pino.Logger): Logger => ({
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (b) => wrap(p.child(b)),
  });
  return wrap(root);
}

/**
 * A log function for Temporal's runtime (`new DefaultLogger(level, temporalLogFunction(log))`): its
 * lines, and the activities' through it, go through the same logger and the same secret masking.
 */
export function temporalLogFunction(log: Logger) {
  return (entry: { level: string; message: string; meta?: Record<string, unknown> }) => {
    const level =
      entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
    log[level](entry.message, { source: 'temporal', ...entry.meta });
  };
}
