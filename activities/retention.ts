/** The daily retention pass: recordings' blobs first, then the rows, all keyed so a retry repeats nothing. */
import type { Database } from '../db/client.js';
import { applyRetention, expiredRecordings, type RetentionPolicy } from '../db/queries/retention.js';
import type { Providers } from './providers/index.js';

export function createRetentionActivities({
  db,
  providers,
  policy,
}: {
  db: Database;
  providers: Providers;
  policy: RetentionPolicy;
}) {
  return {
    async applyRetentionPolicy({ asOfIso }: { asOfIso: string }): Promise<Record<string, number>> {
      const asOf = new Date(asOfIso);
      const recordings = await expiredRecordings(db, policy, asOf);
      for (const r of recordings) await providers.blobs.delete(r.location);
      return applyRetention(
        db,
        policy,
        asOf,
        recordings.map((r) => r.id),
      );
    },
  };
}
