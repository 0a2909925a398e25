/** Cursor query parameters: decoded and checked against the list's sort key, or a 400 naming `cursor`. */
import { decodeCursor, InvalidCursorError } from '../../db/queries/cursor.js';
import { ApiError } from '../errors.js';

/** What a list sorts by: a time (timestamptz, or ±infinity for undated rows), a number, or text. */
export type CursorKind = 'timestamptz' | 'numeric' | 'real' | 'double precision' | 'integer' | 'text';

const invalid = () =>
  new ApiError(400, 'validation_failed', 'cursor is not one this API issued', {
    cursor: 'cursor is not one this API issued',
  });

function fits(value: string | number | null, kind: CursorKind): boolean {
  if (value === null) return true;
  if (kind === 'text') return typeof value === 'string' && !value.includes('\u0000');
  if (kind === 'timestamptz') {
    if (typeof value !== 'string') return false;
    if (value === 'infinity' || value === '-infinity') return true;
    const t = Date.parse(value);
    return Number.isFinite(t) && Math.abs(new Date(t).getUTCFullYear()) < 10_000;
  }
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && (kind !== 'integer' || Number.isInteger(n));
}

export function cursorOf(raw: string | undefined, kind?: CursorKind) {
  if (!raw) return undefined;
  try {
    const cursor = decodeCursor(raw);
    if (kind && !fits(cursor.value, kind)) throw invalid();
    return cursor;
  } catch (err) {
    if (err instanceof InvalidCursorError) throw invalid();
    throw err;
  }
}
