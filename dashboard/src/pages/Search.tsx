import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { phone, when } from '../format';
import { Link, setSearch, useLocation, useTitle } from '../router';
import { Badge, Empty, ErrorBox, Loading } from '../ui';
import { ContactSelect } from '../contacts';
import { systemQueries } from '../queries/system';

type Mode = 'hybrid' | 'semantic' | 'fulltext';

/** The passage with the query's words marked. */
export function highlight(text: string, q: string): ReactNode[] {
  const words = [...new Set(q.toLowerCase().match(/[\p{L}\p{N}']{3,}/gu) ?? [])];
  if (!words.length) return [text];
  const re = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
  return text.split(re).map((part, i) => (i % 2 ? <mark key={i}>{part}</mark> : part));
}

export function Search() {
  useTitle('Search');
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const mode = (search.get('mode') ?? 'hybrid') as Mode;
  const type = (search.get('type') ?? undefined) as 'call' | 'message' | undefined;
  const contactId = search.get('contactId') ?? undefined;
  const from = search.get('from') ?? undefined;
  const to = search.get('to') ?? undefined;
  const [draft, setDraft] = useState(q);
  const results = useQuery(systemQueries.search(mode, { q, type, contactId, from, to }));
  return (
    <div className="page">
      <h1>Search</h1>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch({ q: draft.trim() });
        }}
      >
        <label className="grow">
          Search calls and texts
          <input
            type="search"
            name="q"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="What was said, in your own words"
            autoFocus
          />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
        <label>
          Match
          <select
            value={mode}
            onChange={(e) => setSearch({ mode: e.target.value === 'hybrid' ? undefined : e.target.value })}
          >
            <option value="hybrid">Meaning and words</option>
            <option value="semantic">Meaning only</option>
            <option value="fulltext">Words only</option>
          </select>
        </label>
        <label>
          In
          <select value={type ?? ''} onChange={(e) => setSearch({ type: e.target.value })}>
            <option value="">Calls and texts</option>
            <option value="call">Calls</option>
            <option value="message">Texts</option>
          </select>
        </label>
        <ContactSelect value={contactId} onChange={(id) => setSearch({ contactId: id })} />
        <label>
          From
          <input type="date" value={from ?? ''} onChange={(e) => setSearch({ from: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={to ?? ''} onChange={(e) => setSearch({ to: e.target.value })} />
        </label>
      </form>
      {!q ? (
        <Empty>
          Ask in your own words: “who wanted the invoice paid”, “the flight that was cancelled”. Hybrid search finds
          passages by meaning and by their words.
        </Empty>
      ) : results.isPending ? (
        <Loading what="Searching" />
      ) : results.isError ? (
        <ErrorBox error={results.error} retry={() => results.refetch()} />
      ) : (
        <>
          {results.data.degraded && (
            <p className="state error">
              Meaning search is unavailable right now ({results.data.degraded.semantic}); these results match words
              only.
            </p>
          )}
          {results.data.hits.length === 0 ? (
            <Empty>Nothing found for “{q}”.</Empty>
          ) : (
            <ol className="hits" aria-label="Results">
              {results.data.hits.map((h) => {
                const href =
                  h.type === 'call'
                    ? `/calls/${h.id}${h.passage.startMs !== null ? `#t=${h.passage.startMs}` : ''}`
                    : `/messages?thread=${h.contactId ?? h.phoneNumber ?? ''}`;
                return (
                  <li key={`${h.type}${h.id}${h.passage.chunkIndex}`}>
                    <Link to={href} className="hit">
                      <span className="hit-head">
                        <Badge value="open" label={h.type === 'call' ? 'Call' : 'Text'} />{' '}
                        <strong>{h.contactName ?? phone(h.phoneNumber)}</strong>{' '}
                        <span className="muted">{when(h.occurredAt)}</span>
                      </span>
                      <span className="passage">{highlight(h.passage.text, q)}</span>
                    </Link>
                  </li>
                );
              })}
            </ol>
          )}
        </>
      )}
    </div>
  );
}
