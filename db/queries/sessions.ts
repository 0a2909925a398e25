/** Dashboard sessions, server-side: a row per sign-in, so sign-out and idle time end it everywhere. */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { dashboardSessions } from '../schema/index.js';

export async function createSession(db: Database, idHash: string, expiresAt: Date): Promise<void> {
  await db.insert(dashboardSessions).values({ idHash, expiresAt }).onConflictDoNothing();
}

/**
 * Whether a session is live: present, not revoked, not expired, and seen within `idleMs`; a live one
 * is marked seen now (at most once a minute, so a busy page does not write on every request).
 */
export async function useSession(db: Database, idHash: string, idleMs: number): Promise<boolean> {
  const [row] = await db.select().from(dashboardSessions).where(eq(dashboardSessions.idHash, idHash));
  const now = Date.now();
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now || now - row.lastSeenAt.getTime() > idleMs) return false;
  if (now - row.lastSeenAt.getTime() > 60_000)
    await db
      .update(dashboardSessions)
      .set({ lastSeenAt: sql`now()` })
      .where(eq(dashboardSessions.idHash, idHash));
  return true;
}

export async function revokeSession(db: Database, idHash: string): Promise<void> {
  await db
    .update(dashboardSessions)
    .set({ revokedAt: sql`now()` })
    .where(eq(dashboardSessions.idHash, idHash));
}
