/** Checks that rows a write refers to exist, so a missing one is a clear error, never a foreign-key failure. */
import { eq } from 'drizzle-orm';
import type { Database } from '../client.js';
import { contacts, phoneRecords } from '../schema/index.js';
import { ReferenceMissing } from './errors.js';

export async function assertReferences(
  db: Database,
  refs: { contactId?: string | null; phoneRecordId?: string | null },
): Promise<void> {
  if (refs.contactId) {
    const [row] = await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, refs.contactId));
    if (!row) throw new ReferenceMissing('contactId', 'no such contact');
  }
  if (refs.phoneRecordId) {
    const [row] = await db
      .select({ id: phoneRecords.id })
      .from(phoneRecords)
      .where(eq(phoneRecords.id, refs.phoneRecordId));
    if (!row) throw new ReferenceMissing('phoneRecordId', 'no such phone record');
  }
}
