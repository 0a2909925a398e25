/** Cursor query parameters: decoded, or a 400 naming `cursor`. */
import { decodeCursor, InvalidCursorError } from '../../db/queries/cursor.js';
import { ApiError } from '../errors.js';

export function cursorOf(raw: string | undefined) {
  if (!raw) return undefined;
  try {
    return decodeCursor(raw);
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new ApiError(400, 'validation_failed', err.message, { cursor: err.message });
    throw err;
  }
}
