/** Turning a stored score's factors into a trend and into advice the owner can act on. */
import { desc, eq } from 'drizzle-orm';
import type { Database } from '../client.js';
import { relationshipScores } from '../schema/index.js';
import type { Factors } from './scores.js';

export type Trend = 'increasing' | 'stable' | 'decreasing';

export interface Insight {
  kind:
    | 'overdue'
    | 'due_soon'
    | 'sentiment_falling'
    | 'sentiment_positive'
    | 'open_promises'
    | 'cooling'
    | 'one_sided'
    | 'missed_calls'
    | 'no_history';
  severity: 'info' | 'attention' | 'urgent';
  message: string;
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** Advice from one contact's factors, most pressing first. */
export function insightsFrom(f: Factors): Insight[] {
  const out: Insight[] = [];
  const days = num(f.daysSinceLast);
  const gap = num(f.usualGapDays);
  const ratio = num(f.overdueRatio);
  if (days === null) {
    out.push({ kind: 'no_history', severity: 'info', message: 'No calls or messages yet.' });
    return out;
  }
  const gapWord = f.usualGapSource === 'cadence' ? 'your chosen cadence of' : 'your usual gap of';
  if (gap !== null && ratio !== null) {
    if (ratio > 1.5)
      out.push({
        kind: 'overdue',
        severity: 'urgent',
        message: `${Math.round(days)} days since the last contact, against ${gapWord} ${Math.round(gap)}: well overdue, reach out.`,
      });
    else if (ratio > 1)
      out.push({
        kind: 'overdue',
        severity: 'attention',
        message: `${Math.round(days)} days since the last contact, against ${gapWord} ${Math.round(gap)}: time to get in touch.`,
      });
    else if (ratio > 0.8)
      out.push({
        kind: 'due_soon',
        severity: 'info',
        message: `Due for contact within ${Math.max(1, Math.round(gap - days))} days (${gapWord} ${Math.round(gap)}).`,
      });
  }
  const drift = num(f.sentimentDrift);
  if (drift !== null && drift <= -0.25)
    out.push({
      kind: 'sentiment_falling',
      severity: 'attention',
      message: 'Recent conversations are more negative than usual: check in on how things are going.',
    });
  else if (num(f.sentimentRecent) !== null && num(f.sentimentRecent)! >= 0.4)
    out.push({ kind: 'sentiment_positive', severity: 'info', message: 'Recent conversations have been positive.' });
  const open = num(f.openTasks) ?? 0;
  if (open > 0) {
    const load = num(f.promiseLoad) ?? open;
    out.push({
      kind: 'open_promises',
      severity: load > open * 1.5 ? 'urgent' : 'attention',
      message: `${open} open commitment${open === 1 ? '' : 's'}${load > open ? ', some past due' : ''}: follow through.`,
    });
  }
  const cooling = num(f.coolingRatio);
  if (cooling !== null && cooling < 0.05 && (num(f.interactionMass) ?? 0) > 1)
    out.push({ kind: 'cooling', severity: 'info', message: 'Contact has dropped off compared with the past months.' });
  const reciprocity = num(f.reciprocity);
  if (reciprocity !== null && reciprocity < 0.25 && (num(f.calls) ?? 0) + (num(f.messages) ?? 0) >= 4)
    out.push({ kind: 'one_sided', severity: 'info', message: 'Contact runs almost entirely one way.' });
  const missed = num(f.missedCalls) ?? 0;
  if (missed > 0 && ratio !== null && ratio > 0.5)
    out.push({
      kind: 'missed_calls',
      severity: 'attention',
      message: `${missed} missed call${missed === 1 ? '' : 's'} on record: consider calling back.`,
    });
  return out;
}

/** Trend: the newest score against the newest one at least a week older (or the one before it). */
export function trendOf(history: { score: number; computedAt: Date }[]): {
  trend: Trend;
  change: number | null;
  comparedWith: string | null;
} {
  const [latest, ...older] = history;
  if (!latest || older.length === 0) return { trend: 'stable', change: null, comparedWith: null };
  const weekBefore = latest.computedAt.getTime() - 7 * 86_400_000;
  const base = older.find((h) => h.computedAt.getTime() <= weekBefore) ?? older[0]!;
  const change = latest.score - base.score;
  return {
    trend: change > 5 ? 'increasing' : change < -5 ? 'decreasing' : 'stable',
    change,
    comparedWith: base.computedAt.toISOString(),
  };
}

export async function scoreHistory(db: Database, contactId: string, limit = 30) {
  return db
    .select({
      score: relationshipScores.score,
      computedAt: relationshipScores.computedAt,
      scorerVersion: relationshipScores.scorerVersion,
    })
    .from(relationshipScores)
    .where(eq(relationshipScores.contactId, contactId))
    .orderBy(desc(relationshipScores.computedAt), desc(relationshipScores.id))
    .limit(limit);
}
