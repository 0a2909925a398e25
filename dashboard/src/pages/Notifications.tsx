import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { ago, when } from '../format';
import { Link, setSearch, useLocation, useTitle } from '../router';
import { Badge, Empty, ErrorBox, LoadMore, Loading } from '../ui';
import { inboxQueries, inboxKeys } from '../queries/inbox';

export function Notifications() {
  useTitle('Notifications');
  const client = useQueryClient();
  const { search } = useLocation();
  const unreadOnly = search.get('show') !== 'all';
  const list = useInfiniteQuery(inboxQueries.notifications(unreadOnly));
  const mark = useMutation({
    mutationFn: ({ id, read }: { id: string; read: boolean }) =>
      unwrap(api.PATCH('/api/notifications/{id}', { params: { path: { id } }, body: { read } })),
    onSuccess: () => client.invalidateQueries({ queryKey: inboxKeys.notifications }),
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <h1>Notifications</h1>
      <div className="tabs" role="group" aria-label="Show">
        <button type="button" aria-pressed={unreadOnly} onClick={() => setSearch({ show: undefined })}>
          Unread
        </button>
        <button type="button" aria-pressed={!unreadOnly} onClick={() => setSearch({ show: 'all' })}>
          All
        </button>
      </div>
      {mark.error && <ErrorBox error={mark.error} />}
      {list.isPending ? (
        <Loading what="Loading notifications" />
      ) : list.isError ? (
        <ErrorBox error={list.error} retry={() => list.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>
          {unreadOnly
            ? 'Nothing unread.'
            : 'No notifications yet. Missed calls, action items coming due and unhappy callers appear here.'}
        </Empty>
      ) : (
        <ul className="inbox">
          {rows.map((n) => (
            <li key={n.id} className={n.read ? 'read' : 'unread'} data-testid="notification">
              <div>
                <strong>{n.title}</strong> {n.status === 'retracted' && <Badge value="retracted" />}
                <p>{n.body}</p>
                <span className="muted small" title={when(n.createdAt)}>
                  {ago(n.createdAt)}
                </span>
                {n.callId && (
                  <>
                    {' · '}
                    <Link to={`/calls/${n.callId}`}>Open the call</Link>
                  </>
                )}
                {n.contactId && (
                  <>
                    {' · '}
                    <Link to={`/contacts/${n.contactId}`}>Open the contact</Link>
                  </>
                )}
              </div>
              <button type="button" onClick={() => mark.mutate({ id: n.id, read: !n.read })} disabled={mark.isPending}>
                {n.read ? 'Mark unread' : 'Mark read'}
              </button>
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={list} />
    </div>
  );
}
