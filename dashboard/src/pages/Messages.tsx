import { useQuery } from '@tanstack/react-query';
import { type Schemas } from '../api/client';
import { ago, phone, when } from '../format';
import { Link, setSearch, useLocation, useTitle } from '../router';
import { Empty, ErrorBox, Loading } from '../ui';
import { inboxQueries } from '../queries/inbox';

type Message = Schemas['Message'];

/** Texts grouped into one thread per contact (or per number for people not in contacts). */
export function Messages() {
  useTitle('Messages');
  const { search } = useLocation();
  const list = useQuery(inboxQueries.recentMessages());
  if (list.isPending) return <Loading what="Loading messages" />;
  if (list.isError) return <ErrorBox error={list.error} retry={() => list.refetch()} />;
  const threads = new Map<string, Message[]>();
  for (const m of list.data.items) {
    const key = m.contactId ?? m.phoneNumber;
    threads.set(key, [...(threads.get(key) ?? []), m]);
  }
  const keys = [...threads.keys()];
  const selected = search.get('thread') && threads.has(search.get('thread')!) ? search.get('thread')! : keys[0];
  const thread = selected ? [...threads.get(selected)!].reverse() : [];
  const title = (m: Message) => m.contactName ?? phone(m.phoneNumber);
  return (
    <div className="page">
      <h1>Messages</h1>
      {keys.length === 0 ? (
        <Empty>
          No texts yet. Texts to your Telnyx number appear here (set the messaging webhook on the Setup page).
        </Empty>
      ) : (
        <div className="threads">
          <nav aria-label="Threads">
            <ul>
              {keys.map((k) => {
                const last = threads.get(k)![0]!;
                return (
                  <li key={k}>
                    <button
                      type="button"
                      aria-current={k === selected ? 'true' : undefined}
                      onClick={() => setSearch({ thread: k })}
                    >
                      <strong>{title(last)}</strong>
                      <span className="muted small">{ago(last.occurredAt)}</span>
                      <span className="clip small">{last.text}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          </nav>
          <section aria-label="Conversation" className="conversation">
            {thread[0] && (
              <h2>
                {thread[0].contactId ? (
                  <Link to={`/contacts/${thread[0].contactId}`}>{title(thread[0])}</Link>
                ) : (
                  title(thread[0])
                )}
              </h2>
            )}
            <ol>
              {thread.map((m) => (
                <li key={m.id} className={`bubble ${m.direction}`}>
                  <p>{m.text}</p>
                  <span className="muted small">{when(m.occurredAt)}</span>
                </li>
              ))}
            </ol>
          </section>
        </div>
      )}
    </div>
  );
}
