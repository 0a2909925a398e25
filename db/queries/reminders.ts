/** What the owner should hear about without asking: the weekly digest's facts and the daily reminders. */
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../client.js';

export interface DueTask {
  id: string;
  title: string;
  dueDate: string;
  contactId: string | null;
}

/** Open tasks due by `now + hours`, overdue ones included (up to a week late), soonest first. */
export async function tasksComingDue(db: Database, now: Date, hours = 24): Promise<DueTask[]> {
  const t = now.toISOString();
  return rowsOf<DueTask>(
    await db.execute(sql`
      select id, title, to_char(due_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "dueDate", contact_id as "contactId"
        from tasks
       where status in ('open', 'in_progress')
         and due_date <= ${t}::timestamptz + make_interval(hours => ${hours}::int)
         and due_date >= ${t}::timestamptz - interval '7 days'
       order by due_date, id
       limit 50`),
  );
}

export interface OverdueContact {
  id: string;
  name: string;
  lastContactedAt: string | null;
  priority: number;
}

/** Contacts overdue against their own rhythm (the rescoring's priority), most overdue first. */
export async function contactsOverdue(db: Database, limit = 20): Promise<OverdueContact[]> {
  return rowsOf<OverdueContact>(
    await db.execute(sql`
      select id, trim(first_name || ' ' || coalesce(last_name, '')) as name, relationship_priority as priority,
             to_char(last_contacted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "lastContactedAt"
        from contacts
       where relationship_priority > 0
       order by relationship_priority desc, id
       limit ${limit}`),
  );
}
