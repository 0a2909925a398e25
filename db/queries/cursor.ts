/** Opaque keyset cursors: the sort value and id of the last row of a page. */

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API issued');
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(value: string | number | null, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { value: string | number | null; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[1] === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(parsed[1])
    ) {
      const value = parsed[0] as unknown;
      if (value === null || typeof value === 'string' || typeof value === 'number') return { value, id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError();
}

/**
 * Take `limit` rows of `limit + 1` fetched; the cursor points after the last one kept.
 * `position` gives a row's sort value and id, the two halves of the keyset.
 */
export function paginate<T>(rows: T[], limit: number, position: (row: T) => [string | number | null, string]) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(...position(last)) : null };
}

/** Escape LIKE wildcards so user text matches literally. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);
