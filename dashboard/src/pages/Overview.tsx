import { useQuery } from '@tanstack/react-query';
import { ago, day, duration, name, phone } from '../format';
import { Link, useTitle } from '../router';
import { Badge, BarChart, Card, Empty, ErrorBox, Loading, Stat } from '../ui';
import { inboxQueries } from '../queries/inbox';

export function Overview() {
  useTitle('Overview');
  const overview = useQuery(inboxQueries.overview());
  const unread = useQuery(inboxQueries.unread());
  if (overview.isPending) return <Loading what="Loading the overview" />;
  if (overview.isError) return <ErrorBox error={overview.error} retry={() => overview.refetch()} />;
  const o = overview.data;
  const fresh = o.counts.contacts === 0 && o.recentCalls.length === 0;
  return (
    <div className="page">
      <h1>Overview</h1>
      {fresh && (
        <Empty>
          <strong>No calls yet.</strong> Point your Telnyx number at this server (the <Link to="/setup">Setup</Link>{' '}
          page has the exact webhook URLs), or play simulated calls through the whole pipeline with{' '}
          <code>npm run simulate</code>.
        </Empty>
      )}
      <div className="stats" data-testid="stats">
        <Stat label="Contacts" value={o.counts.contacts} />
        <Stat
          label="Calls this week"
          value={o.counts.callsThisWeek}
          hint={o.counts.missedCallsThisWeek ? `${o.counts.missedCallsThisWeek} missed` : undefined}
        />
        <Stat label="Open tasks" value={o.counts.openTasks} />
        <Stat label="Upcoming events" value={o.counts.upcomingEvents} />
      </div>
      <div className="grid">
        <Card title="Calls per day, last 30 days" className="wide">
          <BarChart
            label={`Calls per day: ${o.callStats.reduce((a, d) => a + d.count, 0)} in 30 days`}
            data={o.callStats.map((d) => ({
              label: day(d.date),
              value: d.count,
              title: `${day(d.date)}: ${d.count} call(s), ${d.missed} missed`,
            }))}
          />
        </Card>
        <Card title="Recent calls" action={<Link to="/calls">All calls</Link>}>
          {o.recentCalls.length === 0 ? (
            <p className="muted">No calls yet.</p>
          ) : (
            <ul className="rows">
              {o.recentCalls.map((c) => (
                <li key={c.id}>
                  <Link to={`/calls/${c.id}`} className="row-main">
                    {name(c.contactFirstName, c.contactLastName) ?? phone(c.phoneNumber)}
                  </Link>
                  <span className="muted">
                    {ago(c.createdAt)} · {duration(c.duration)}
                  </span>
                  <Badge value={c.status} />
                  {c.summary && <p className="clip">{c.summary}</p>}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Top contacts" action={<Link to="/contacts">All contacts</Link>}>
          {o.topContacts.length === 0 ? (
            <p className="muted">No contacts yet. Create one from any call by an unknown caller.</p>
          ) : (
            <ol className="rows">
              {o.topContacts.map((c) => (
                <li key={c.id}>
                  <Link to={`/contacts/${c.id}`} className="row-main">
                    {name(c.firstName, c.lastName)}
                  </Link>
                  <span className="score" title="Relationship score">
                    {c.relationshipScore ?? '—'}
                  </span>
                  <span className="muted">last contact {ago(c.lastContactedAt)}</span>
                </li>
              ))}
            </ol>
          )}
        </Card>
        <Card title="Needs attention">
          {o.needsAttention.length === 0 ? (
            <p className="muted">Nobody is overdue against their usual rhythm.</p>
          ) : (
            <ul className="rows">
              {o.needsAttention.map((c) => (
                <li key={c.id}>
                  <Link to={`/contacts/${c.id}`} className="row-main">
                    {name(c.firstName, c.lastName)}
                  </Link>
                  <span className="muted">last contact {ago(c.lastContactedAt)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Upcoming tasks" action={<Link to="/tasks">All tasks</Link>}>
          {o.upcomingTasks.length === 0 ? (
            <p className="muted">Nothing due. Tasks appear here when a call produces an action item with a date.</p>
          ) : (
            <ul className="rows">
              {o.upcomingTasks.map((t) => (
                <li key={t.id}>
                  <span className="row-main">{t.title}</span>
                  <span className="muted">due {day(t.dueDate)}</span>
                  <Badge value={t.priority} />
                  {t.phoneRecordId && <Link to={`/calls/${t.phoneRecordId}`}>from a call</Link>}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Unread notifications" action={<Link to="/notifications">Inbox</Link>}>
          {unread.isPending ? (
            <Loading />
          ) : unread.isError ? (
            <ErrorBox error={unread.error} />
          ) : unread.data.items.length === 0 ? (
            <p className="muted">All read.</p>
          ) : (
            <ul className="rows">
              {unread.data.items.map((n) => (
                <li key={n.id}>
                  <span className="row-main">{n.title}</span>
                  <span className="muted">{ago(n.createdAt)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </div>
  );
}
